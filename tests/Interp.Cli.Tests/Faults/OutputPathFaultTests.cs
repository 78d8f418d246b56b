using System.Diagnostics;

namespace Interp.Cli.Tests.Faults;

/// <summary>
/// <c>--out</c> never replaces what is there: a symlink to a file is written through, and a folder where a file is
/// wanted, a file where a folder is wanted, a fifo or a device is refused in one line naming the path, exit code 1.
/// </summary>
public sealed class OutputPathFaultTests(FaultWorkspace workspace) : IClassFixture<FaultWorkspace>
{
    private static string[] EvalArgs(string sae, string output) =>
        ["eval-sae", "--sae", sae, "--corpus", TestRepo.Corpus("wikitext-2-raw-test.txt"), "--ctx", "64", "--tokens", "1024", "--threads", "1", "--out", output];

    [Fact]
    public void Eval_sae_out_through_a_symlink_writes_the_target_and_keeps_the_link()
    {
        var folder = workspace.Fresh("link");
        Directory.CreateDirectory(folder);
        var (target, link) = (Path.Combine(folder, "target.json"), Path.Combine(folder, "link.json"));
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);

        var result = InterpProcess.Run(EvalArgs(workspace.Sae, link));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.NotNull(new FileInfo(link).LinkTarget);                                 // still a link
        Assert.Contains("\"explained_variance\"", File.ReadAllText(target));
        Assert.Equal(["link.json", "target.json"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Eval_sae_out_at_a_device_is_refused_before_any_work()
    {
        var line = InterpProcess.Run(EvalArgs(workspace.Fresh("no-such-sae"), "/dev/null")).ErrorLine;
        Assert.Contains("/dev/null", line);
        Assert.Contains("not a regular file", line);
    }

    [Fact]
    public void Eval_sae_out_at_a_fifo_is_refused_and_the_fifo_stays()
    {
        var folder = workspace.Fresh("fifo");
        Directory.CreateDirectory(folder);
        var fifo = Path.Combine(folder, "out.json");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var line = InterpProcess.Run(EvalArgs(workspace.Sae, fifo)).ErrorLine;
        Assert.Contains(fifo, line);
        Assert.Contains("not a regular file", line);
        Assert.Equal(["out.json"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.Equal(0L, new FileInfo(fifo).Length);
    }

    [Fact]
    public void Eval_sae_out_at_a_folder_is_refused()
    {
        var folder = workspace.Fresh("folder");
        Directory.CreateDirectory(folder);
        var line = InterpProcess.Run(EvalArgs(workspace.Fresh("no-such-sae"), folder)).ErrorLine;
        Assert.Contains(folder, line);
        Assert.Contains("is a folder", line);
    }

    [Fact]
    public void Harvest_out_at_an_existing_file_is_refused_and_the_file_is_untouched()
    {
        var file = workspace.Fresh("file");
        File.WriteAllText(file, "keep me");
        var line = InterpProcess.Run(FaultWorkspace.HarvestArgs(file)).ErrorLine;
        Assert.Contains(file, line);
        Assert.Contains("is a file, not a folder", line);
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void Harvest_out_below_a_regular_file_is_one_line_naming_the_folder()
    {
        var file = workspace.Fresh("file");
        File.WriteAllText(file, "keep me");
        var output = Path.Combine(file, "sub");
        var line = InterpProcess.Run(FaultWorkspace.HarvestArgs(output)).ErrorLine;
        Assert.Contains(output, line);
    }

    [Fact]
    public void Autointerp_out_at_an_existing_file_is_refused_in_one_line()
    {
        var units = workspace.Fresh("units");
        Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", "2", "--out", units).ExitCode);
        var file = workspace.Fresh("file");
        File.WriteAllText(file, "keep me");
        var line = InterpProcess.Run("autointerp", "--records", units, "--explainer", "offline", "--out", file).ErrorLine;
        Assert.Contains(file, line);
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void An_io_failure_deep_in_a_verb_is_one_line_with_exit_code_1_and_no_exception_type()
    {
        // Synthetic units write with plain File APIs: the failure reaches CliApp.Guard as an IOException (ENOTDIR).
        var file = workspace.Fresh("file");
        File.WriteAllText(file, "keep me");
        var line = InterpProcess.Run("autointerp", "synthetic", "--units", "2", "--out", Path.Combine(file, "units")).ErrorLine;
        Assert.Contains(file, line);
        Assert.DoesNotContain("Exception", line);
    }
}
