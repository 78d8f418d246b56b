using System.Diagnostics;
using Interp.Core;

namespace Interp.Cli.Tests.Faults;

/// <summary>Every verb that writes a folder holds a lock on it: a second writer is refused in one line, and a killed one never blocks.</summary>
public sealed class WriterLockFaultTests(FaultWorkspace workspace) : IClassFixture<FaultWorkspace>
{
    private const string Refusal = "another process is writing this folder";

    private static void AssertRefused(InterpProcess.Result result, string folder)
    {
        var line = result.ErrorLine;
        Assert.Contains(folder, line);
        Assert.Contains(Refusal, line);
    }

    [Fact]
    public async Task Two_harvests_started_together_into_one_folder_leave_one_verified_store_and_one_refusal()
    {
        var output = workspace.Fresh("race");
        var args = FaultWorkspace.HarvestArgs(output, tokens: 60_000);
        var runs = new[] { Task.Run(() => InterpProcess.Run(args)), Task.Run(() => InterpProcess.Run(args)) };
        var results = await Task.WhenAll(runs);

        Assert.True(results.Count(r => r.ExitCode == 0) == 1, string.Join("\n---\n", results.Select(r => $"exit {r.ExitCode}: {r.Stderr}")));
        AssertRefused(results.Single(r => r.ExitCode != 0), Path.Combine(output, FaultWorkspace.Hook));
        var verify = InterpProcess.Run("store", "verify", Path.Combine(output, FaultWorkspace.Hook));
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }

    [Fact]
    public void A_harvest_killed_while_writing_does_not_block_the_next_run()
    {
        var output = workspace.Fresh("killed");
        var lockFile = Path.Combine(output, FaultWorkspace.Hook, FolderLock.FileName);
        using (var process = Process.Start(InterpProcess.StartInfo(FaultWorkspace.HarvestArgs(output, tokens: 60_000)))!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!File.Exists(lockFile) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(5);
            Assert.True(File.Exists(lockFile), "the harvest never took its lock");
            process.Kill(entireProcessTree: true);                                    // SIGKILL: no clean-up code runs
            process.WaitForExit();
        }
        Assert.True(File.Exists(lockFile));                                           // the stale file stays; the lock does not
        var again = InterpProcess.Run(FaultWorkspace.HarvestArgs(output, tokens: 60_000));
        Assert.True(again.ExitCode == 0, again.Stderr);
    }

    [Fact]
    public void A_harvest_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = workspace.Fresh("harvest");
        var folder = Path.Combine(output, FaultWorkspace.Hook);
        using (FolderLock.Acquire(folder)) AssertRefused(InterpProcess.Run(FaultWorkspace.HarvestArgs(output)), folder);
        Assert.False(File.Exists(Path.Combine(folder, "manifest.json")));
    }

    [Fact]
    public void Train_sae_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = workspace.Fresh("sae");
        using var held = FolderLock.Acquire(output);
        AssertRefused(InterpProcess.Run("train-sae", "--activations", workspace.StoreFolder, "--arch", "topk", "--d-sae", "64", "--k", "4",
            "--tokens", "2048", "--batch", "256", "--threads", "1", "--out", output), output);
        Assert.Equal([FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Records_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = workspace.Fresh("records");
        using var held = FolderLock.Acquire(output);
        AssertRefused(InterpProcess.Run("records", "--activations", workspace.StoreFolder, "--units", "0-3", "--out", output), output);
        Assert.Equal([FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Autointerp_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var units = workspace.Fresh("units");
        Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", "2", "--out", units).ExitCode);
        var output = workspace.Fresh("autointerp");
        using var held = FolderLock.Acquire(output);
        AssertRefused(InterpProcess.Run("autointerp", "--records", units, "--explainer", "offline", "--out", output), output);
        Assert.Equal([FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Train_model_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = workspace.Fresh("model");
        using var held = FolderLock.Acquire(output);
        AssertRefused(InterpProcess.Run("train-model", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--n-layer", "1", "--n-head", "1",
            "--n-embd", "8", "--ctx", "16", "--batch", "2", "--steps", "1", "--out", output), output);
        Assert.Equal([FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Quickstart_into_a_run_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = workspace.Fresh("quickstart");
        using var held = FolderLock.Acquire(output);
        AssertRefused(InterpProcess.Run("quickstart", "--no-serve", "--explainer", "offline", "--out", output), output);
        Assert.Equal([FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }
}
