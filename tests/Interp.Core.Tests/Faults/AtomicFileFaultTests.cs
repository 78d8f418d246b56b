using System.Diagnostics;
using Interp.Core;

namespace Interp.Core.Tests.Faults;

/// <summary><see cref="AtomicFile"/> writes through symlinks, never replaces a fifo, device or folder, and uses a per-process temporary name.</summary>
public sealed class AtomicFileFaultTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("interp-atomic-").FullName;

    private string[] Entries() => Directory.GetFileSystemEntries(_folder).Select(p => Path.GetFileName(p)!).Order().ToArray();

    [Fact]
    public void A_symlink_is_written_through_and_stays_a_link()
    {
        var (target, link) = (Path.Combine(_folder, "target.txt"), Path.Combine(_folder, "link.txt"));
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);
        AtomicFile.WriteAllText(link, "new");
        Assert.Equal("target.txt", Path.GetFileName(new FileInfo(link).LinkTarget));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(["link.txt", "target.txt"], Entries());
    }

    [Fact]
    public void A_chain_of_symlinks_writes_the_final_target()
    {
        var target = Path.Combine(_folder, "target.txt");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(Path.Combine(_folder, "a"), target);
        File.CreateSymbolicLink(Path.Combine(_folder, "b"), Path.Combine(_folder, "a"));
        AtomicFile.WriteAllText(Path.Combine(_folder, "b"), "new");
        Assert.Equal("new", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(Path.Combine(_folder, "b")).LinkTarget);
    }

    [Fact]
    public void A_character_device_is_refused_and_left_alone()
    {
        var e = Assert.Throws<InterpException>(() => AtomicFile.WriteAllText("/dev/null", "x"));
        Assert.Equal("/dev/null: not a regular file (a fifo, device or socket); give a file name", e.Message);
        Assert.False(File.Exists("/dev/null.tmp") || Directory.GetFiles("/dev", "null.*.tmp").Length > 0);
    }

    [Fact]
    public void A_fifo_is_refused_and_stays_a_fifo()
    {
        var fifo = Path.Combine(_folder, "out");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var e = Assert.Throws<InterpException>(() => AtomicFile.WriteAllText(fifo, "x"));
        Assert.Contains("not a regular file", e.Message);
        Assert.Equal(["out"], Entries());
    }

    [Fact]
    public void A_folder_is_refused()
    {
        var e = Assert.Throws<InterpException>(() => AtomicFile.WriteAllText(_folder, "x"));
        Assert.Equal($"{_folder}: is a folder; give a file name", e.Message);
    }

    [Fact]
    public void The_temporary_name_carries_the_process_id_and_differs_between_calls()
    {
        var path = Path.Combine(_folder, "out.json");
        var seen = new List<string>();
        for (var i = 0; i < 2; i++) AtomicFile.Write(path, tmp => { seen.Add(tmp); File.WriteAllText(tmp, "x"); });
        Assert.All(seen, tmp => Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}\.{Environment.ProcessId}-\d+\.tmp$", tmp));
        Assert.NotEqual(seen[0], seen[1]);
        Assert.Equal(["out.json"], Entries());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
