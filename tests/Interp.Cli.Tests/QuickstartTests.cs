using System.Net;
using System.Text.Json;

namespace Interp.Cli.Tests;

/// <summary>
/// <c>interp quickstart</c> as a real process, on a small slice of the default corpus: the whole pipeline ends in a server
/// whose unit pages show explanations and scores; killed at several stages and run again, it finishes; bad input stops it
/// before any work.
/// </summary>
public class QuickstartTests
{
    /// <summary>Small sizes: a 100-context harvest, a 256-latent SAE trained for a few steps.</summary>
    private static string[] SmallRun(string outDir) =>
        ["quickstart", "--out", outDir, "--tokens", "12800", "--eval-tokens", "2560", "--sae-tokens", "49152", "--d-sae", "256", "--k", "16"];

    private const string NeuronSource = "blocks.1.mlp.hook_post";
    private const string LatentSource = "sae:blocks.2.hook_resid_pre";

    [Fact]
    public async Task The_pipeline_ends_serving_unit_pages_with_explanations_and_scores()
    {
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("interp-quickstart-").FullName, "quickstart");
        using var run = new RunningInterp([.. SmallRun(outDir), "--urls", "http://127.0.0.1:0"]);
        var (listLine, _) = run.WaitForLine(l => l.StartsWith("units    http", StringComparison.Ordinal), TimeSpan.FromMinutes(6));

        // Every stage ran (none was complete yet), each shown as the command a user could type.
        Assert.Equal(7, run.Lines.Count(l => l.TrimStart().StartsWith("$ interp ", StringComparison.Ordinal)));
        Assert.DoesNotContain(run.Lines, l => l.Contains("already complete", StringComparison.Ordinal));
        var baseUrl = listLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        baseUrl = baseUrl[..(baseUrl.IndexOf("/runs/", StringComparison.Ordinal) + 1)];

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        foreach (var (source, folder) in new[] { (NeuronSource, "neurons"), (LatentSource, "sae-latents") })
        {
            var scored = ScoredUnits(Path.Combine(outDir, "autointerp", folder, "results.jsonl"));
            Assert.NotEmpty(scored);
            var (index, explanation, correlation) = scored[0];
            var page = await http.GetAsync($"{baseUrl}runs/quickstart/units/{Uri.EscapeDataString(source)}/{index}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains(WebUtility.HtmlEncode(explanation), html);
            Assert.Contains("correlation", html);
            Assert.Contains(correlation.ToString("F3", System.Globalization.CultureInfo.InvariantCulture), html);
        }

        using var times = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "quickstart_times.json")));
        Assert.Equal(7, times.RootElement.GetProperty("stages").GetArrayLength());
        Assert.All(times.RootElement.GetProperty("stages").EnumerateArray(), s => Assert.False(s.GetProperty("skipped").GetBoolean()));
    }

    [Fact]
    public void Killed_at_several_stages_and_run_again_it_finishes_and_then_skips_every_stage()
    {
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("interp-quickstart-").FullName, "quickstart");
        string[] args = [.. SmallRun(outDir), "--no-serve"];
        // Kill as each of these stages starts its work: SAE training, the latents' records, the latents' explanations.
        var stages = new (string Header, Func<bool> Complete)[]
        {
            ("[2/7]", () => File.Exists(Path.Combine(outDir, "sae", "sae_weights.safetensors"))),
            ("[5/7]", () => File.Exists(Path.Combine(outDir, "records", "sae-latents", "records.db"))),
            ("[7/7]", () => File.Exists(Path.Combine(outDir, "autointerp", "sae-latents", "summary.json"))),
        };
        foreach (var (header, complete) in stages)
        {
            using var run = new RunningInterp(args);
            var (_, at) = run.WaitForLine(l => l.StartsWith(header, StringComparison.Ordinal), TimeSpan.FromMinutes(6));
            var (_, command) = run.WaitForLine(l => l.TrimStart().StartsWith("$ interp ", StringComparison.Ordinal), TimeSpan.FromMinutes(1), after: at);
            run.WaitForLine(_ => true, TimeSpan.FromMinutes(1), after: command + 1);          // the verb's first line: its work has begun
            run.Kill();
            Assert.False(complete(), $"the stage {header} finished before the kill");
        }

        var finish = InterpProcess.Run(args, timeoutSeconds: 360);
        Assert.True(finish.ExitCode == 0, finish.Stderr);
        Assert.Contains("already complete: skipped", finish.Stdout);                      // at least the harvest
        AssertEachUnitOnce(Path.Combine(outDir, "autointerp", "neurons", "results.jsonl"), 512);
        AssertEachUnitOnce(Path.Combine(outDir, "autointerp", "sae-latents", "results.jsonl"), 256);

        var again = InterpProcess.Run(args, timeoutSeconds: 120);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(7, again.Stdout.Split('\n').Count(l => l.Contains("already complete: skipped", StringComparison.Ordinal)));
        Assert.DoesNotContain("$ interp", again.Stdout);
    }

    [Fact]
    public void A_json_lines_corpus_runs_with_its_text_field_and_without_the_flag_stops_at_once_naming_the_field()
    {
        var root = Directory.CreateTempSubdirectory("interp-quickstart-").FullName;
        var corpus = Path.Combine(root, "plays.jsonl");
        var text = File.ReadAllText(TestRepo.Corpus("tinyshakespeare.txt"))[..60_000];
        File.WriteAllLines(corpus, text.Split("\n\n").Select((play, i) => JsonSerializer.Serialize(new { id = i, content = play })));
        var outDir = Path.Combine(root, "run");
        string[] args = ["quickstart", "--corpus", corpus, "--out", outDir, "--tokens", "2560", "--eval-tokens", "512", "--sae-tokens", "4096",
                         "--d-sae", "64", "--k", "8", "--no-serve"];

        var line = InterpProcess.Run(args).ErrorLine;
        Assert.Equal($"error: {corpus}: line 1: no field 'text' (--text-field); the line has 'id', 'content'", line);
        Assert.False(Directory.Exists(outDir));

        var run = InterpProcess.Run([.. args, "--text-field", "content"], timeoutSeconds: 240);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var file = Assert.Single(Interp.Core.Store.ActivationManifest.Load(Path.Combine(outDir, "activations", "blocks.2.hook_resid_pre")).Corpus.Files);
        Assert.Equal("jsonl", file.Format);
        Assert.Equal("content", file.TextField);
        Assert.Contains("--text-field content", run.Stdout.Split('\n').Single(l => l.Contains("$ interp eval-sae", StringComparison.Ordinal)));
        using var eval = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "sae", "eval.json")));
        Assert.Equal(4 * 127, eval.RootElement.GetProperty("tokens").GetInt64());                 // 512 held-out tokens, BOS left out
    }

    [Fact]
    public void A_missing_model_stops_at_once_with_one_line_and_no_run_folder()
    {
        var root = Directory.CreateTempSubdirectory("interp-quickstart-").FullName;
        var missing = Path.Combine(root, "no-such-model");
        var result = InterpProcess.Run("quickstart", "--model", missing, "--out", Path.Combine(root, "run"), "--no-serve");
        Assert.Contains(missing, result.ErrorLine);
        Assert.False(Directory.Exists(Path.Combine(root, "run")));
    }

    [Fact]
    public void An_empty_corpus_stops_at_once_with_one_line_and_no_run_folder()
    {
        var root = Directory.CreateTempSubdirectory("interp-quickstart-").FullName;
        var empty = Path.Combine(root, "empty.txt");
        File.WriteAllText(empty, "");
        var result = InterpProcess.Run("quickstart", "--corpus", empty, "--out", Path.Combine(root, "run"), "--no-serve");
        Assert.Contains(empty, result.ErrorLine);
        Assert.Contains("empty", result.ErrorLine);
        Assert.False(Directory.Exists(Path.Combine(root, "run")));
    }

    [Fact]
    public void A_public_address_without_a_token_is_refused_before_any_work()
    {
        var root = Directory.CreateTempSubdirectory("interp-quickstart-").FullName;
        var result = InterpProcess.Run(["quickstart", "--out", Path.Combine(root, "run"), "--urls", "http://0.0.0.0:0"],
            new Dictionary<string, string> { ["INTERP_TOKEN"] = "" });
        Assert.Contains("token", result.ErrorLine);
        Assert.False(Directory.Exists(Path.Combine(root, "run")));
    }

    /// <summary>Units with a defined correlation, best first: (index, explanation, correlation).</summary>
    private static List<(int Index, string Explanation, double Correlation)> ScoredUnits(string resultsPath) =>
        File.ReadLines(resultsPath).Select(line => JsonDocument.Parse(line).RootElement)
            .Where(r => r.GetProperty("status").GetString() == "ok" && r.GetProperty("scores").GetProperty("correlation").ValueKind == JsonValueKind.Number)
            .Select(r => (int.Parse(r.GetProperty("unit").GetString()!.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture),
                          r.GetProperty("explanation").GetString()!, r.GetProperty("scores").GetProperty("correlation").GetDouble()))
            .OrderByDescending(u => u.Item3)
            .ToList();

    private static void AssertEachUnitOnce(string resultsPath, int units)
    {
        var ids = File.ReadLines(resultsPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("unit").GetString()).ToList();
        Assert.Equal(units, ids.Count);
        Assert.Equal(units, ids.Distinct().Count());
    }
}
