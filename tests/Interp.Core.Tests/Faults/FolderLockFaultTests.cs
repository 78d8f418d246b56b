using System.Diagnostics;
using Interp.Core;

namespace Interp.Core.Tests.Faults;

/// <summary><see cref="FolderLock"/> is a real flock: it excludes other holders, other processes, and dies with its process.</summary>
public sealed class FolderLockFaultTests : IDisposable
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("interp-lock-").FullName, "out");

    [Fact]
    public void A_second_lock_on_a_held_folder_is_refused_in_one_line_naming_the_folder()
    {
        using var first = FolderLock.Acquire(_folder);
        var e = Assert.Throws<InterpException>(() => FolderLock.Acquire(_folder));
        Assert.Equal($"{_folder}: another process is writing this folder (it holds {FolderLock.FileName}); wait for it to finish or choose another output folder", e.Message);
    }

    [Fact]
    public void A_released_lock_can_be_taken_again()
    {
        FolderLock.Acquire(_folder).Dispose();
        using var again = FolderLock.Acquire(_folder);
        Assert.True(File.Exists(Path.Combine(_folder, FolderLock.FileName)));
    }

    [Fact]
    public void A_flock_held_by_another_process_excludes_and_is_released_when_that_process_is_killed()
    {
        Directory.CreateDirectory(_folder);
        var lockFile = Path.Combine(_folder, FolderLock.FileName);
        File.WriteAllText(lockFile, "");
        // flock(1) holds flock(LOCK_EX) on the file while its command runs (-o: the command does not inherit it).
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-o", lockFile, "sleep", "60"]))!;
        try
        {
            var clock = Stopwatch.StartNew();
            InterpException? refused = null;
            while (refused is null && clock.Elapsed < TimeSpan.FromSeconds(20))   // until flock(1) has taken it
            {
                try { FolderLock.Acquire(_folder).Dispose(); Thread.Sleep(20); }
                catch (InterpException e) { refused = e; }
            }
            Assert.NotNull(refused);
            Assert.Contains("another process is writing this folder", refused.Message);

            holder.Kill(entireProcessTree: true);                                         // SIGKILL
            holder.WaitForExit();
            using var after = FolderLock.Acquire(_folder);
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void A_regular_file_where_the_folder_should_be_is_refused()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_folder)!);
        File.WriteAllText(_folder, "keep me");
        var e = Assert.Throws<InterpException>(() => FolderLock.Acquire(_folder));
        Assert.Equal($"{_folder}: is a file, not a folder; give a folder (new or empty) for this output", e.Message);
        Assert.Equal("keep me", File.ReadAllText(_folder));
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
}
