using System.Text.Json;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Cli;

/// <summary><c>interp bench serve</c> as a process over the fixture run's latent records: the figures it prints, and its refusals.</summary>
public sealed class BenchServeCommandTests
{
    private static string LatentRecords => Path.Combine(FixtureRun.Shared.RunFolder, "records", "sae-" + FixtureRun.SaeHook);

    [Fact]
    public void Json_gives_render_times_and_page_sizes_over_the_units_asked_for()
    {
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll,
            ["bench", "serve", "--records", LatentRecords, "--units", "20", "--warmup", "3", "--seed", "7", "--json"], timeoutSeconds: 300);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(FixtureRun.Name, root.GetProperty("run").GetString());
        Assert.Equal(FixtureRun.SaeSource, root.GetProperty("source").GetString());
        Assert.Equal(256, root.GetProperty("store_units").GetInt32());
        Assert.Equal((20, 3, 7), (root.GetProperty("units").GetInt32(), root.GetProperty("warmup").GetInt32(), root.GetProperty("seed").GetInt32()));
        foreach (var name in new[] { "render_ms", "html_kb", "wire_kb", "chart_kb", "page_kb", "tokens" })
        {
            var (p50, p95, max) = Spread(root, name);
            Assert.True(p50 > 0 && p50 <= p95 && p95 <= max, $"{name}: p50 {p50}, p95 {p95}, max {max}");
        }
        // A page carries its windows: at least the top windows' tokens (8 windows of up to 32 in the fixture), as markup.
        Assert.True(Spread(root, "html_kb").P50 > 5);
        Assert.True(Spread(root, "page_kb").P50 > Spread(root, "html_kb").P50);
        // Asked for as a browser asks (br, gzip), pages go out as Brotli, at a fraction of their rendered size.
        Assert.Equal("br", root.GetProperty("content_encoding").GetString());
        Assert.True(Spread(root, "wire_kb").P95 * 4 < Spread(root, "html_kb").P50, $"wire p95 {Spread(root, "wire_kb").P95} kB, HTML p50 {Spread(root, "html_kb").P50} kB");
        Assert.True(root.GetProperty("first_page_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
    }

    [Fact]
    public void The_table_names_each_figure()
    {
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["bench", "serve", "--records", LatentRecords, "--units", "5", "--warmup", "0"], timeoutSeconds: 300);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains($"{FixtureRun.SaeSource} of run {FixtureRun.Name} (256 units): 5 random pages", stdout, StringComparison.Ordinal);
        foreach (var row in new[] { "render ms", "page HTML kB", "page on the wire kB", "chart JSON kB", "page total kB", "coloured tokens", "first page after start" })
            Assert.Contains(row, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Flood_json_gives_the_answers_by_status_and_resident_memory_before_peak_and_after()
    {
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll,
            ["bench", "serve", "--records", LatentRecords, "--flood", "40", "--concurrency", "8", "--json"], timeoutSeconds: 300);

        Assert.True(code == 0, $"exit {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal((40, 8), (root.GetProperty("requests").GetInt32(), root.GetProperty("concurrency").GetInt32()));
        Assert.Equal(40, root.GetProperty("statuses").GetProperty("200").GetInt32());
        var (before, peak, after) = (root.GetProperty("resident_before_mb").GetDouble(), root.GetProperty("resident_peak_mb").GetDouble(), root.GetProperty("resident_after_mb").GetDouble());
        Assert.True(before > 0 && peak >= before && peak >= after && after > 0, $"resident before {before}, peak {peak}, after {after}");
        Assert.True(root.GetProperty("managed_after_mb").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--flood", "-1", "error: --flood -1: must be at least 1")]
    [InlineData("--concurrency", "0", "error: --concurrency 0: must be at least 1")]
    public void A_bad_flood_setting_is_one_line_naming_it(string option, string value, string expected)
    {
        string[] flood = option == "--flood" ? [option, value] : ["--flood", "10", option, value];
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["bench", "serve", "--records", LatentRecords, .. flood]);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Leaving_out_records_is_one_line_naming_the_option()
    {
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["bench", "serve", "--units", "5"]);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --records: required", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_records_folder_is_named_in_one_line()
    {
        var missing = Path.Combine(TestPaths.TempRoot, "no-such-records");

        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["bench", "serve", "--records", missing]);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: --records {missing}: no such folder", line);
    }

    [Fact]
    public void A_folder_without_a_records_store_is_named_in_one_line()
    {
        var activations = Path.Combine(FixtureRun.Shared.RunFolder, "activations");

        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["bench", "serve", "--records", activations]);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(activations, "records.db"), line, StringComparison.Ordinal);
    }

    private static (double P50, double P95, double Max) Spread(JsonElement root, string name)
    {
        var s = root.GetProperty(name);
        return (s.GetProperty("p50").GetDouble(), s.GetProperty("p95").GetDouble(), s.GetProperty("max").GetDouble());
    }
}
