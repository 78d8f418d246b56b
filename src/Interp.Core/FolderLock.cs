namespace Interp.Core;

/// <summary>
/// An exclusive claim on an output folder for one writing process: a lock file inside it, opened with
/// <see cref="FileShare.None"/>, which .NET on Linux turns into <c>flock(LOCK_EX | LOCK_NB)</c>. The kernel drops the
/// lock when the process ends however it ends (a SIGKILLed writer never blocks the next run); the file itself stays
/// and is harmless.
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name inside a locked folder; writers treat it as their own file, never as foreign.</summary>
    public const string FileName = ".interp.lock";

    private readonly FileStream _stream;

    private FolderLock(string folder, FileStream stream) => (Folder, _stream) = (folder, stream);

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>Creates <paramref name="folder"/> when missing and locks it until <see cref="Dispose"/>.</summary>
    /// <exception cref="InterpException">Another process (or another writer in this one) holds the lock, or the folder cannot be made.</exception>
    public static FolderLock Acquire(string folder)
    {
        OutputPath.CheckFolder(folder);
        var path = Path.Combine(folder, FileName);
        try
        {
            Directory.CreateDirectory(folder);
            return new FolderLock(folder, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (IsHeld(path, e))
        {
            throw new InterpException($"{folder}: another process is writing this folder (it holds {FileName}); wait for it to finish or choose another output folder", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"{folder}: cannot write this folder ({e.Message})", e);
        }
    }

    /// <summary>Releases the lock (the file stays).</summary>
    public void Dispose() => _stream.Dispose();

    // A sharing violation (the lock is held) rather than a missing or unwritable path: the file is there and it was not
    // a permission failure (those surface as UnauthorizedAccessException).
    private static bool IsHeld(string path, IOException e) =>
        e.GetType() == typeof(IOException) && File.Exists(path);
}
