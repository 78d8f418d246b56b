using System.Diagnostics;
using Interp.Core.Store;

namespace Interp.Cli.Tests.Store;

/// <summary>The real <c>interp</c> program in a child process: kill and resume, info, verify, merge, refusals.</summary>
public class CliTests
{
    private static string[] HarvestArgs(string output, params string[] extra) => HarvestArgs(output, 150_000, extra);

    private static string[] HarvestArgs(string output, int tokens, params string[] extra) =>
    [
        "harvest", "--model", TokenizerGpt2.Folder, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), TestRepo.Corpus("wikitext-2-raw-test.txt"),
        "--hook", "blocks.1.hook_resid_pre", "blocks.0.mlp.hook_post", "--ctx", "64", "--batch", "4", "--shard-mb", "1",
        "--tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", output, .. extra,
    ];

    [Fact]
    public void A_harvest_killed_mid_run_and_run_again_equals_a_clean_run()
    {
        using var dir = new TempDir();
        var clean = InterpProcess.Run(HarvestArgs(dir["clean"]));
        Assert.True(clean.ExitCode == 0, clean.Stderr);
        var cleanManifest = ActivationManifest.Load(Path.Combine(dir["clean"], "blocks.0.mlp.hook_post"));
        Assert.True(cleanManifest.Shards.Count >= 6, $"only {cleanManifest.Shards.Count} shards; the kill needs a longer run");

        // Kill as soon as some shard is listed (mid-run: later shards are pending, one is usually half-written).
        var killedAt = -1;
        using (var process = Process.Start(InterpProcess.StartInfo(HarvestArgs(dir["killed"])))!)
        {
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            var manifest = Path.Combine(dir["killed"], "blocks.0.mlp.hook_post", ActivationManifest.FileName);
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3))
            {
                if (File.Exists(manifest) && ActivationManifest.Load(manifest).Shards.Count >= 2)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    killedAt = ActivationManifest.Load(manifest).Shards.Count;
                    break;
                }
                Thread.Sleep(5);
            }
        }
        Assert.True(killedAt >= 2 && killedAt < cleanManifest.Shards.Count, $"killed with {killedAt} of {cleanManifest.Shards.Count} shards listed");

        var resumed = InterpProcess.Run(HarvestArgs(dir["killed"]));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        StoreAssert.SameStore(dir["clean"], dir["killed"]);

        // Finished: the same command refuses to overwrite, naming the manifest; --overwrite redoes it identically.
        var again = InterpProcess.Run(HarvestArgs(dir["killed"]));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains(ActivationManifest.FileName, again.Stderr);
        Assert.Contains("already complete", again.Stderr);
        Assert.Single(again.Stderr.Trim().Split('\n'));
        var overwritten = InterpProcess.Run(HarvestArgs(dir["killed"], "--overwrite"));
        Assert.True(overwritten.ExitCode == 0, overwritten.Stderr);
        StoreAssert.SameStore(dir["clean"], dir["killed"]);
    }

    [Fact]
    public void Store_info_verify_and_merge_work_on_the_command_line()
    {
        using var dir = new TempDir();
        Assert.Equal(0, InterpProcess.Run(HarvestArgs(dir["single"], 20_000)).ExitCode);
        Assert.Equal(0, InterpProcess.Run(HarvestArgs(dir["p1"], 20_000, "--shard", "1/2")).ExitCode);
        Assert.Equal(0, InterpProcess.Run(HarvestArgs(dir["p2"], 20_000, "--shard", "2/2")).ExitCode);

        var merge = InterpProcess.Run("store", "merge", "--out", dir["merged"], dir["p1"], dir["p2"]);
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        StoreAssert.SameStore(dir["single"], dir["merged"]);

        var info = InterpProcess.Run("store", "info", dir["merged"]);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("blocks.0.mlp.hook_post", info.Stdout);
        Assert.Contains("d = 128", info.Stdout);
        Assert.Contains("20,032 of 20,032 (complete)", info.Stdout);
        Assert.Contains("tinyshakespeare.txt", info.Stdout);
        var json = InterpProcess.Run("store", "info", dir["merged"], "--json");
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse(json.Stdout).RootElement.GetProperty("stores").GetArrayLength());

        var ok = InterpProcess.Run("store", "verify", dir["merged"]);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Contains("match their manifests", ok.Stdout);

        var shard = Path.Combine(dir["merged"], "blocks.1.hook_resid_pre", "shard-00000.parquet");
        var bytes = File.ReadAllBytes(shard);
        bytes[bytes.Length / 3] ^= 1;
        File.WriteAllBytes(shard, bytes);
        var bad = InterpProcess.Run("store", "verify", dir["merged"]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("shard-00000.parquet: altered (sha256", bad.Stdout);
        Assert.StartsWith("error: 1 of ", bad.ErrorLine);                             // after verify's progress lines
        Assert.Contains(shard, bad.ErrorLine);
    }

    [Fact]
    public void Bad_harvest_arguments_are_one_line_errors()
    {
        using var dir = new TempDir();
        var unknownHook = InterpProcess.Run(["harvest", "--model", TokenizerGpt2.Folder, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"),
            "--hook", "blocks.9.hook_resid_pre", "--out", dir["a"]]);
        Assert.Equal(1, unknownHook.ExitCode);
        Assert.Contains("unknown hook name 'blocks.9.hook_resid_pre'", unknownHook.Stderr);

        var noTokenizer = InterpProcess.Run(["harvest", "--model", TestRepo.TinyRandomGpt2, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"),
            "--hook", "blocks.1.hook_resid_pre", "--out", dir["b"]]);
        Assert.Equal(1, noTokenizer.ExitCode);
        Assert.Contains("no tokenizer", noTokenizer.Stderr);

        var split = InterpProcess.Run(HarvestArgs(dir["c"], "--shard", "3/2"));
        Assert.Equal(1, split.ExitCode);
        Assert.Contains("--shard 3/2", split.Stderr);
        Assert.Single(split.Stderr.Trim().Split('\n'));

        var notStore = InterpProcess.Run("store", "info", dir.Path);
        Assert.Equal(1, notStore.ExitCode);
        Assert.Contains("not an activation store", notStore.Stderr);
    }
}
