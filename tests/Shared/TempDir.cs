namespace Interp.Tests.Shared;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
/// <param name="prefix">The start of the folder's name, so that a test project's leftovers are recognisable.</param>
public sealed class TempDir(string prefix = "interp-tests-") : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A path inside the folder (nothing is created).</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
