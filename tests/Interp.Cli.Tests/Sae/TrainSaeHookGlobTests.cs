using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Interp.Cli.Tests.Sae;

/// <summary>
/// A store root of three hooks harvested in one pass from the embedded model (blocks.0 and blocks.1's hook_resid_post,
/// blocks.1.hook_resid_pre; 64 contexts of 32 tokens), and each resid_post hook's SAE trained alone, as references
/// (600 steps each: long enough, a few seconds, for a kill to land inside a run).
/// </summary>
public sealed class HookGlobStoreFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public static readonly string[] Posts = ["blocks.0.hook_resid_post", "blocks.1.hook_resid_post"];

    public HookGlobStoreFixture()
    {
        var harvest = InterpProcess.Run("harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", Posts[0], Posts[1], "blocks.1.hook_resid_pre",
            "--ctx", "32", "--tokens", "2048", "--threads", "1", "--out", Store);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        foreach (var hook in Posts)
        {
            var single = InterpProcess.Run(TrainArgs(Path.Combine(Single, hook), "--hook", hook));
            Assert.True(single.ExitCode == 0, single.Stderr);
        }
    }

    public string Store => _dir["activations"];

    /// <summary>The single-hook runs: <c>single/&lt;hook&gt;/</c>.</summary>
    public string Single => _dir["single"];

    public string Sub(string name) => _dir[name];

    public string[] TrainArgs(string output, params string[] extra) =>
    [
        "train-sae", "--activations", Store, "--arch", "topk", "--d-sae", "512", "--k", "8", "--tokens", "76800", "--batch", "128",
        "--checkpoint-every", "100", "--threads", "1", "--out", output, .. extra,
    ];

    public void Dispose() => _dir.Dispose();
}

public sealed class TrainSaeHookGlobTests(HookGlobStoreFixture fixture) : IClassFixture<HookGlobStoreFixture>
{
    [Fact]
    public void A_hook_glob_trains_one_sae_per_matching_hook_each_identical_to_its_single_hook_run()
    {
        var output = fixture.Sub("glob");
        var run = InterpProcess.Run(fixture.TrainArgs(output, "--hook", "blocks.*.hook_resid_post", "--json"));
        Assert.True(run.ExitCode == 0, run.Stderr);

        var saes = JsonNode.Parse(run.Stdout)!["saes"]!.AsArray();
        Assert.Equal(HookGlobStoreFixture.Posts, saes.Select(s => (string)s!["hook_name"]!));
        Assert.Equal(HookGlobStoreFixture.Posts, Directory.GetDirectories(output).Select(d => Path.GetFileName(d)!).Order());   // not blocks.1.hook_resid_pre
        foreach (var hook in HookGlobStoreFixture.Posts) AssertSameSae(Path.Combine(fixture.Single, hook), Path.Combine(output, hook));
    }

    [Fact]
    public void A_hook_glob_run_killed_in_its_second_hook_resumes_and_ends_as_the_single_hook_runs()
    {
        var output = fixture.Sub("killed");
        using (var run = new RunningInterp(fixture.TrainArgs(output, "--hook", "blocks.*.hook_resid_post")))
        {
            var (_, second) = run.WaitForLine(l => l.StartsWith("[2/2] blocks.1.hook_resid_post", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            run.WaitForLine(l => l.StartsWith("train-sae: topk", StringComparison.Ordinal), TimeSpan.FromMinutes(1), after: second);
            run.Kill();
        }
        Assert.True(File.Exists(Path.Combine(output, HookGlobStoreFixture.Posts[0], "cfg.json")));
        Assert.False(File.Exists(Path.Combine(output, HookGlobStoreFixture.Posts[1], "cfg.json")), "the second hook finished before the kill");

        Assert.Contains("pass --resume", InterpProcess.Run(fixture.TrainArgs(output, "--hook", "blocks.*.hook_resid_post")).ErrorLine);
        var resumed = InterpProcess.Run(fixture.TrainArgs(output, "--hook", "blocks.*.hook_resid_post", "--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        foreach (var hook in HookGlobStoreFixture.Posts) AssertSameSae(Path.Combine(fixture.Single, hook), Path.Combine(output, hook));
    }

    [Fact]
    public void A_hook_glob_matching_no_stored_hook_is_refused_naming_the_closest_and_trains_nothing()
    {
        var output = fixture.Sub("no-match");
        var line = InterpProcess.Run(fixture.TrainArgs(output, "--hook", "blocks.*.hook_resid_pots")).ErrorLine;
        Assert.StartsWith($"error: --hook 'blocks.*.hook_resid_pots' matches no hook stored in {fixture.Store}; the closest is blocks.*.hook_resid_post", line);
        Assert.False(Directory.Exists(output));
    }

    private static void AssertSameSae(string expected, string actual)
    {
        Assert.Equal(File.ReadAllText(Path.Combine(expected, "cfg.json")), File.ReadAllText(Path.Combine(actual, "cfg.json")));
        Assert.Equal(Sha256(Path.Combine(expected, "sae_weights.safetensors")), Sha256(Path.Combine(actual, "sae_weights.safetensors")));
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
