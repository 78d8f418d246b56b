using System.Text.Json.Nodes;

namespace Interp.Cli.Tests;

/// <summary>
/// <c>records --shard K/N</c> + <c>records merge</c> and <c>autointerp --shard K/N</c> + <c>autointerp merge</c> through
/// the real program: the merged folders equal an unsplit run's, and a bad <c>--shard</c> is one line naming the flag.
/// </summary>
public sealed class ShardCliTests : IDisposable
{
    private static readonly string Corpus = TestRepo.Corpus("tinyshakespeare.txt");
    private readonly TempDir _temp = new("interp-shard-");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("records", "0/4", "--shard 0/4: expected K/N with 1 ≤ K ≤ N")]
    [InlineData("records", "5/4", "--shard 5/4: expected K/N with 1 ≤ K ≤ N")]
    [InlineData("records", "x", "--shard x: expected K/N, e.g. 2/4")]
    [InlineData("records", "1/0", "--shard 1/0: expected K/N with 1 ≤ K ≤ N")]
    [InlineData("autointerp", "0/4", "--shard 0/4: expected K/N with 1 ≤ K ≤ N")]
    [InlineData("autointerp", "5/4", "--shard 5/4: expected K/N with 1 ≤ K ≤ N")]
    [InlineData("autointerp", "x", "--shard x: expected K/N, e.g. 2/4")]
    [InlineData("autointerp", "1/0", "--shard 1/0: expected K/N with 1 ≤ K ≤ N")]
    public void A_bad_shard_is_one_line_naming_the_flag_and_the_value(string verb, string shard, string expected)
    {
        string[] args = verb == "records"
            ? ["records", "--activations", _temp["no-store"], "--shard", shard, "--threads", "1", "--out", _temp["out"]]
            : ["autointerp", "--records", _temp["no-records"], "--shard", shard, "--out", _temp["out"]];
        Assert.Equal($"error: {expected}", InterpProcess.Run(args).ErrorLine);
        Assert.False(Directory.Exists(_temp["out"]));
    }

    [Fact]
    public void Records_split_in_two_and_merged_has_the_unsplit_job_and_units()
    {
        string[] Records(string shard, string name) =>
            ["records", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--ctx", "16", "--tokens", "64", "--units", "0-9",
             "--shard", shard, "--threads", "1", "--out", _temp[name]];
        foreach (var (shard, name) in new[] { ("1/1", "whole"), ("1/2", "part1"), ("2/2", "part2") })
            Assert.Equal(0, InterpProcess.Run(Records(shard, name)).ExitCode);
        Assert.Equal($"error: {_temp["part1"]}: part(s) 2/2 of its job missing from the inputs",
            InterpProcess.Run("records", "merge", "--out", _temp["merged"], _temp["part1"]).ErrorLine);

        var merge = InterpProcess.Run("records", "merge", "--out", _temp["merged"], _temp["part2"], _temp["part1"]);

        Assert.Equal(0, merge.ExitCode);
        Assert.StartsWith("blocks.0.hook_resid_pre: 10 units from 2 part(s)", merge.Stdout);
        JsonNode Job(string name)
        {
            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(_temp[name], "manifest.json")))!.AsObject();
            manifest.Remove("build");
            return manifest;
        }
        Assert.True(JsonNode.DeepEquals(Job("whole"), Job("merged")), $"{Job("whole")}\n{Job("merged")}");
        Assert.Equal(1, Job("part1")["shard"]!["k"]!.GetValue<int>());
        Assert.Equal(5, Job("part1")["unit_count"]!.GetValue<int>());
    }

    [Fact]
    public void Autointerp_split_in_two_and_merged_writes_what_the_unsplit_run_writes()
    {
        Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", "6", "--out", _temp["units"]).ExitCode);
        string[] Score(string shard, string name) =>
            ["autointerp", "--records", _temp["units"], "--shard", shard, "--scorer", "correlation,detection", "--concurrency", "1", "--out", _temp[name]];
        foreach (var (shard, name) in new[] { ("1/1", "whole"), ("1/2", "part1"), ("2/2", "part2") })
            Assert.Equal(0, InterpProcess.Run(Score(shard, name)).ExitCode);

        var merge = InterpProcess.Run("autointerp", "merge", "--out", _temp["merged"], _temp["part1"], _temp["part2"]);

        Assert.Equal(0, merge.ExitCode);
        Assert.StartsWith("6 units from 2 part(s)", merge.Stdout);
        foreach (var file in new[] { "results.jsonl", "summary.json", "openai_explanations.jsonl" })
            Assert.Equal(File.ReadAllText(Path.Combine(_temp["whole"], file)), File.ReadAllText(Path.Combine(_temp["merged"], file)));
        Assert.Equal($"error: {_temp["whole"]}: not a part of a split autointerp run (no shard.json here); only parts are merged",
            InterpProcess.Run("autointerp", "merge", "--out", _temp["other"], _temp["part1"], _temp["whole"]).ErrorLine);
    }
}
