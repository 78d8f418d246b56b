using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Tests.Shared;

namespace Interp.Cli.Tests.Faults;

/// <summary>The real <c>interp autointerp</c> over a results file with extra lines (issue #12, point 6).</summary>
public sealed class ResultsFileCliFaultTests
{
    [Fact]
    public void Autointerp_over_a_results_file_with_extra_lines_counts_the_sources_units_and_warns_in_one_line()
    {
        var root = Directory.CreateTempSubdirectory("interp-results-fault-").FullName;
        try
        {
            var units = Path.Combine(root, "units");
            var output = Path.Combine(root, "out");
            Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", "6", "--out", units).ExitCode);
            var first = InterpProcess.Run("autointerp", "--records", units, "--out", output, "--concurrency", "1");
            Assert.True(first.ExitCode == 0, first.Stderr);
            Assert.DoesNotContain("warning:", first.Stderr);

            var results = Path.Combine(output, "results.jsonl");
            var lines = File.ReadAllLines(results);
            var extra = JsonNode.Parse(lines[0])!.AsObject();
            extra["unit"] = (Core.Records.UnitId.Parse(extra["unit"]!.GetValue<string>()) with { Index = 512 }).ToString();
            File.AppendAllText(results, lines[1] + "\n" + extra.ToJsonString() + "\n");

            var second = InterpProcess.Run("autointerp", "--records", units, "--out", output, "--concurrency", "1");

            Assert.True(second.ExitCode == 0, second.Stderr);
            Assert.Contains("units: 6 (6 ok, 0 failed)", second.Stdout);
            var warnings = second.Stderr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
            var warning = Assert.Single(warnings);
            Assert.Contains("results.jsonl", warning);
            Assert.Contains("counted 6 units", warning);
            Assert.Contains("/512", warning);
            Assert.Equal(6, JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json"))).RootElement.GetProperty("units").GetInt32());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
