using System.Text.Json;

namespace Interp.Cli.Tests;

/// <summary>
/// A small store of the embedded model (32 contexts of 64 tokens at blocks.1.hook_resid_pre, also as two halves of a
/// split harvest) and a small TopK SAE on it, built with <c>--quiet</c>.
/// </summary>
public sealed class ProgressFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public ProgressFixture()
    {
        Harvest = Run(HarvestArgs(Store, "--quiet"));
        TrainSae = Run(["train-sae", "--activations", Store, "--d-sae", "256", "--k", "8", "--tokens", "2048", "--batch", "256", "--threads", "1",
            "--out", Sae, "--quiet", "--json"]);
        Run(["records", "--activations", Store, "--units", "0-7", "--threads", "1", "--out", Records, "--quiet"]);
    }

    public const string Hook = "blocks.1.hook_resid_pre";

    public string Store => _dir["activations"];

    public string Sae => _dir["sae"];

    public string Records => _dir["records"];

    public InterpProcess.Result Harvest { get; }

    public InterpProcess.Result TrainSae { get; }

    public string Sub(string name) => _dir[name];

    public static string[] HarvestArgs(string output, params string[] extra) =>
        ["harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", Hook, "--ctx", "64", "--tokens", "2048", "--threads", "1", "--out", output, .. extra];

    public static InterpProcess.Result Run(string[] args)
    {
        var result = InterpProcess.Run(args);
        Assert.True(result.ExitCode == 0, $"interp {string.Join(' ', args)}: {result.Stderr}");
        return result;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// Every stage that can run long shows progress with the time left on stderr (a line every few seconds when stderr is
/// not a terminal, and one at the end), stdout keeps its own output, and <c>--quiet</c> turns the progress off.
/// </summary>
public sealed class ProgressTests(ProgressFixture fixture) : IClassFixture<ProgressFixture>
{
    private static string[] ProgressLines(InterpProcess.Result result, string verb) =>
        result.Stderr.Split('\n').Where(l => l.StartsWith($"{verb}: ", StringComparison.Ordinal) && l.Contains(" | ETA ", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void Eval_sae_shows_its_progress_and_time_left_on_stderr_and_json_stays_on_stdout()
    {
        string[] args = ["eval-sae", "--sae", fixture.Sae, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--tokens", "1024", "--threads", "1", "--json"];
        var shown = ProgressFixture.Run(args);
        Assert.Equal("eval-sae: spliced into the model: 16/16 contexts | ETA 00:00:00", ProgressLines(shown, "eval-sae")[^1]);
        Assert.Equal(16 * 63, JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("tokens").GetInt64());

        var quiet = ProgressFixture.Run([.. args, "--quiet"]);
        Assert.Empty(ProgressLines(quiet, "eval-sae"));
        Assert.Equal(shown.Stdout, quiet.Stdout);
    }

    [Fact]
    public void Records_show_the_progress_of_their_passes_and_quiet_shows_none()
    {
        string[] args = ["records", "--activations", fixture.Store, "--units", "0-3", "--threads", "1"];
        var shown = ProgressFixture.Run([.. args, "--out", fixture.Sub("records-shown")]);
        Assert.Equal("records: chunk 1/1 effects: 32/32 contexts | 0/4 units done | ETA 00:00:00", ProgressLines(shown, "records")[^1]);
        Assert.DoesNotContain(" | ETA ", shown.Stdout);

        var quiet = ProgressFixture.Run([.. args, "--out", fixture.Sub("records-quiet"), "--quiet"]);
        Assert.Empty(ProgressLines(quiet, "records"));
    }

    [Fact]
    public void Autointerp_shows_units_done_with_the_time_left_and_quiet_shows_none()
    {
        string[] args = ["autointerp", "--records", fixture.Records, "--scorer", "correlation"];
        var shown = ProgressFixture.Run([.. args, "--out", fixture.Sub("autointerp-shown")]);
        Assert.StartsWith("autointerp: 8/8 units (0 failed, 0 already done)", ProgressLines(shown, "autointerp")[^1]);
        Assert.EndsWith(" | ETA 00:00:00", ProgressLines(shown, "autointerp")[^1]);

        var quiet = ProgressFixture.Run([.. args, "--out", fixture.Sub("autointerp-quiet"), "--quiet"]);
        Assert.Empty(ProgressLines(quiet, "autointerp"));
    }

    [Fact]
    public void Store_verify_and_merge_show_their_progress_and_quiet_shows_none()
    {
        var verify = ProgressFixture.Run(["store", "verify", fixture.Store]);
        Assert.Matches(@"^store verify: blocks\.1\.hook_resid_pre: 1 shard\(s\), [0-9.]+/[0-9.]+ MB read \| ETA 00:00:00$", ProgressLines(verify, "store verify")[^1]);
        Assert.Contains("match their manifests", verify.Stdout);
        Assert.Empty(ProgressLines(ProgressFixture.Run(["store", "verify", fixture.Store, "--quiet"]), "store verify"));

        ProgressFixture.Run(ProgressFixture.HarvestArgs(fixture.Sub("part1"), "--shard", "1/2", "--quiet"));
        ProgressFixture.Run(ProgressFixture.HarvestArgs(fixture.Sub("part2"), "--shard", "2/2", "--quiet"));
        var merge = ProgressFixture.Run(["store", "merge", "--out", fixture.Sub("merged"), fixture.Sub("part1"), fixture.Sub("part2")]);
        Assert.Equal("store merge: blocks.1.hook_resid_pre: shard 1/1 | ETA 00:00:00", ProgressLines(merge, "store merge")[^1]);
        var quiet = ProgressFixture.Run(["store", "merge", "--out", fixture.Sub("merged-quiet"), fixture.Sub("part1"), fixture.Sub("part2"), "--quiet"]);
        Assert.Empty(ProgressLines(quiet, "store merge"));
    }

    [Fact]
    public void Harvest_and_train_sae_show_no_progress_with_quiet()
    {
        Assert.Empty(ProgressLines(fixture.Harvest, "harvest"));
        Assert.Empty(ProgressLines(fixture.TrainSae, "train-sae"));
        var shown = ProgressFixture.Run(ProgressFixture.HarvestArgs(fixture.Sub("harvest-shown")));
        Assert.Equal("harvest: 2,048/2,048 tokens", ProgressLines(shown, "harvest")[^1].Split(" | ")[0]);
    }
}
