using System.Net;
using System.Net.Sockets;

namespace Interp.Cli.Tests;

/// <summary>The autointerp job refuses its options by meaning; <c>interp autointerp</c> prints each refusal with its flag, as before.</summary>
public sealed class AutoInterpFlagNameTests
{
    // No LLM configured from the environment the tests run in.
    private static readonly Dictionary<string, string> NoLlm = new() { ["INTERP_LLM_MODEL"] = "", ["INTERP_LLM_ENDPOINT"] = "" };

    private static InterpProcess.Result AutoInterp(params string[] args) => InterpProcess.Run(["autointerp", .. args], NoLlm);

    [Fact]
    public void Options_out_of_range_are_refused_with_their_flags_before_the_records_are_opened()
    {
        var root = Directory.CreateTempSubdirectory("interp-autointerp-flags-").FullName;
        string[] common = ["--records", Path.Combine(root, "no-records"), "--out", Path.Combine(root, "out")];
        Assert.Equal("error: --explainer 'gpt': expected offline, llm", AutoInterp([.. common, "--explainer", "gpt"]).ErrorLine);
        Assert.Equal("error: --simulator 'x': expected auto, pattern, llm-logprobs, llm-text", AutoInterp([.. common, "--simulator", "x"]).ErrorLine);
        Assert.Equal("error: --judge 'x': expected auto, pattern, llm", AutoInterp([.. common, "--judge", "x"]).ErrorLine);
        Assert.Equal("error: --delphi-examples 0: must be at least 1", AutoInterp([.. common, "--delphi-examples", "0"]).ErrorLine);
        Assert.Equal("error: --examples-per-split 0: must be at least 1", AutoInterp([.. common, "--examples-per-split", "0"]).ErrorLine);
        Assert.Equal("error: --concurrency 0: must be at least 1", AutoInterp([.. common, "--concurrency", "0"]).ErrorLine);
        Assert.False(Directory.Exists(Path.Combine(root, "out")));
    }

    [Fact]
    public void A_folder_without_records_says_how_to_build_them()
    {
        var empty = Directory.CreateTempSubdirectory("interp-autointerp-flags-").FullName;
        Assert.Equal($"error: {Path.Combine(empty, "records.db")}: no records store here (build one with `interp records --out {empty}`)",
            AutoInterp("--records", empty, "--out", Path.Combine(empty, "out")).ErrorLine);
    }

    [Fact]
    public void Llm_options_are_refused_with_their_flags()
    {
        var root = Directory.CreateTempSubdirectory("interp-autointerp-flags-").FullName;
        var units = Path.Combine(root, "units");
        Assert.Equal(0, InterpProcess.Run("autointerp", "synthetic", "--units", "2", "--out", units).ExitCode);
        string[] llm = ["--records", units, "--explainer", "llm", "--out", Path.Combine(root, "out")];

        Assert.Equal("error: no LLM model: pass --llm-model or set INTERP_LLM_MODEL", AutoInterp(llm).ErrorLine);
        Assert.Equal("error: --llm-timeout 0: must be positive", AutoInterp([.. llm, "--llm-model", "m", "--llm-timeout", "0"]).ErrorLine);
        Assert.Equal("error: --llm-max-attempts 0: must be at least 1", AutoInterp([.. llm, "--llm-model", "m", "--llm-max-attempts", "0"]).ErrorLine);
        Assert.Equal("error: --llm-explain-records 0: must be at least 1",
            AutoInterp("--records", units, "--llm-explain-records", "0", "--out", Path.Combine(root, "out")).ErrorLine);

        var endpoint = $"http://127.0.0.1:{ClosedPort()}/v1";
        var unreachable = AutoInterp([.. llm, "--llm-model", "m", "--llm-endpoint", endpoint]).ErrorLine;
        Assert.StartsWith($"error: LLM endpoint {endpoint} is unreachable: ", unreachable);
        Assert.EndsWith("(set --llm-endpoint or INTERP_LLM_ENDPOINT)", unreachable);
    }

    /// <summary>A loopback port nothing listens on (taken and given back).</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
