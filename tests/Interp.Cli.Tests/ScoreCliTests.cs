using System.Text.Json;

namespace Interp.Cli.Tests;

/// <summary><c>interp score</c> end to end on synthetic units: autointerp's own export scored again, mixed files, refusals.</summary>
public sealed class ScoreCliTests
{
    // No LLM configured from the environment the tests run in.
    private static readonly Dictionary<string, string> NoLlm = new() { ["INTERP_LLM_MODEL"] = "", ["INTERP_LLM_ENDPOINT"] = "" };

    private static InterpProcess.Result Score(params string[] args) => InterpProcess.Run(["score", .. args], NoLlm);

    private static string Units(string root, int count = 4)
    {
        var units = Path.Combine(root, "units");
        Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", count.ToString(), "--out", units).ExitCode);
        return units;
    }

    private static Dictionary<string, double> Correlations(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("unit").GetString()!, r => r.GetProperty("scores").GetProperty("correlation").GetDouble());

    [Fact]
    public void Autointerps_openai_export_scored_again_gives_the_same_correlations_to_1e_6()
    {
        var root = Directory.CreateTempSubdirectory("interp-score-").FullName;
        var units = Units(root);
        var auto = Path.Combine(root, "auto");
        Assert.Equal(0, InterpProcess.Run(["autointerp", "--records", units, "--out", auto], NoLlm).ExitCode);

        var scored = Path.Combine(root, "scored");
        var result = Score("--records", units, "--explanations", Path.Combine(auto, "openai_explanations.jsonl"), "--format", "openai", "--out", scored);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("score: 4 explanations of 4 units (openai, ", result.Stdout);
        var (mine, again) = (Correlations(auto), Correlations(scored));
        Assert.Equal(mine.Keys.Order(), again.Keys.Order());
        foreach (var (unit, correlation) in mine) Assert.Equal(correlation, again[unit], 1e-6);
        Assert.True(File.Exists(Path.Combine(scored, "ranking.jsonl")));
        Assert.True(File.Exists(Path.Combine(scored, "summary.json")));
    }

    [Fact]
    public void Known_units_are_scored_unknown_ones_listed_in_one_line_malformed_lines_named_and_nothing_scorable_exits_1()
    {
        var root = Directory.CreateTempSubdirectory("interp-score-").FullName;
        var units = Units(root);
        var file = Path.Combine(root, "mixed.jsonl");
        File.WriteAllLines(file,
        [
            """{"unit": "synthetic/0", "explanation": "fires on \" the\"", "source": "mine"}""",
            """{"unit": "synthetic/0", "explanation": "the word the and of", "source": "yours"}""",
            "{oops",
            """{"unit": "synthetic/1", "explanation": "fires on a number"}""",
            """{"unit": "blocks.7.mlp.hook_post/3", "explanation": "something"}""",
            """{"unit": "synthetic/2"}""",
            """{"unit": "synthetic/99", "explanation": "beyond the records"}""",
        ]);
        var result = Score("--records", units, "--explanations", file, "--out", Path.Combine(root, "out"), "--scorer", "correlation,detection");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var warnings = result.Stderr.Split('\n').Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.StartsWith($"warning: {file}:3: not JSON", warnings[0]);
        Assert.DoesNotContain("LineNumber", warnings[0]);                                   // the file and line are named once, ours
        Assert.Equal($"warning: {file}:6: no \"explanation\" string", warnings[1]);
        Assert.Equal($"warning: {file}: 2 explanations of 2 units the records do not have: blocks.7.mlp.hook_post/3, synthetic/99", warnings[2]);
        var lines = File.ReadAllLines(Path.Combine(root, "out", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["mine", "mixed.jsonl", "yours"], lines.Select(l => l.GetProperty("source").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(lines, l => l.GetProperty("simulator").GetString() == "lexical");
        Assert.Contains("source mine:", result.Stdout);

        File.WriteAllLines(file, ["{oops", """{"unit": "blocks.7.mlp.hook_post/3", "explanation": "something"}"""]);
        var refused = Score("--records", units, "--explanations", file, "--out", Path.Combine(root, "none"));
        Assert.Equal($"error: {file}: nothing to score: no explanation of a unit the records have (1 malformed line, 1 explanation of units the records do not have)", refused.ErrorLine);
        Assert.Contains($"warning: {file}:1: not JSON", refused.Stderr);
        Assert.False(Directory.Exists(Path.Combine(root, "none")));
    }

    [Fact]
    public void When_every_explanation_fails_the_exit_code_is_1_with_the_first_reason()
    {
        var root = Directory.CreateTempSubdirectory("interp-score-").FullName;
        var units = Units(root, 2);
        var file = Path.Combine(root, "free.jsonl");
        File.WriteAllLines(file, ["""{"unit": "synthetic/0", "explanation": "articles before nouns"}""", """{"unit": "synthetic/1", "explanation": "numbers"}"""]);
        var result = Score("--records", units, "--explanations", file, "--simulator", "pattern", "--concurrency", "1", "--out", Path.Combine(root, "out"));
        Assert.Equal($"error: {file}: nothing could be scored: every explanation failed (explanation 'articles before nouns': the pattern simulator needs a pattern or quoted tokens)",
            result.ErrorLine);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(root, "out", "results.jsonl")).Length);       // kept, to retry with --retry-failed
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_their_flags()
    {
        var root = Directory.CreateTempSubdirectory("interp-score-").FullName;
        string[] common = ["--records", Path.Combine(root, "no-records"), "--explanations", Path.Combine(root, "x.jsonl"), "--out", Path.Combine(root, "out")];
        Assert.Equal("error: --format 'x': expected auto, interp, openai, delphi, neuronpedia", Score([.. common, "--format", "x"]).ErrorLine);
        Assert.Equal("error: --simulator 'x': expected auto, pattern, lexical, llm-logprobs, llm-text", Score([.. common, "--simulator", "x"]).ErrorLine);
        Assert.Equal("error: --scorer 'x': expected correlation, detection or fuzzing (comma-separated)", Score([.. common, "--scorer", "x"]).ErrorLine);
        var units = Units(root, 1);
        Assert.Equal($"error: {Path.Combine(root, "x.jsonl")}: no such file or folder",
            Score("--records", units, "--explanations", Path.Combine(root, "x.jsonl"), "--out", Path.Combine(root, "out")).ErrorLine);
        Assert.False(Directory.Exists(Path.Combine(root, "out")));
    }
}
