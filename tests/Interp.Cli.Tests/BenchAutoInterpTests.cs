using System.Text.Json;

namespace Interp.Cli.Tests;

/// <summary><c>interp bench autointerp</c> measures the LLM path against its own local server, with no test fake shipped in the program.</summary>
public sealed class BenchAutoInterpTests
{
    [Fact]
    public void Bench_autointerp_sends_every_request_to_its_local_server_at_both_concurrencies()
    {
        var result = InterpProcess.Run("bench", "autointerp", "--units", "20", "--llm-requests", "40", "--concurrency", "1", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(20, doc.RootElement.GetProperty("units").GetInt32());
        var llm = doc.RootElement.GetProperty("llm").EnumerateArray().ToList();
        Assert.Equal([1, 32], llm.Select(o => o.GetProperty("concurrency").GetInt32()));
        Assert.All(llm, o => Assert.Equal(40, o.GetProperty("requests").GetInt32()));
        Assert.All(llm, o => Assert.True(o.GetProperty("requests_per_second").GetDouble() > 0));
    }
}
