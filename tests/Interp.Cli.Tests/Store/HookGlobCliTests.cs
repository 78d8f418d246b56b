using System.Text.Json;
using Interp.Core.Store;

namespace Interp.Cli.Tests.Store;

/// <summary><c>interp harvest --hook GLOB</c>: every matching hook of the embedded model (4 layers) stored by one run.</summary>
public sealed class HookGlobCliTests
{
    private static string[] HarvestArgs(string output, params string[] hooks) =>
    [
        "harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), .. hooks.SelectMany(h => new[] { "--hook", h }), "--ctx", "64", "--tokens", "1024",
        "--threads", "1", "--out", output, "--json",
    ];

    [Fact]
    public void A_layer_glob_on_the_command_line_writes_one_store_per_layer()
    {
        using var dir = new TempDir();
        var result = InterpProcess.Run(HarvestArgs(dir["all"], "blocks.*.hook_resid_post", "blocks.3.hook_resid_post"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var hooks = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("hooks").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(0, 4).Select(l => $"blocks.{l}.hook_resid_post"), hooks.Select(h => h.GetProperty("hook").GetString()));
        Assert.All(hooks, h => Assert.Equal(1024, h.GetProperty("tokens").GetInt64()));
        Assert.All(hooks, h => Assert.True(h.GetProperty("complete").GetBoolean()));
        Assert.Equal(hooks.Select(h => Path.Combine(dir["all"], h.GetProperty("hook").GetString()!)), ActivationStoreReader.HookFolders(dir["all"]));
    }

    [Fact]
    public void A_glob_matching_no_hook_is_one_line_naming_the_flag_the_glob_and_a_close_name()
    {
        using var dir = new TempDir();
        var line = InterpProcess.Run(HarvestArgs(dir["x"], "blocks.*.mlp.hook_pots")).ErrorLine;
        Assert.Equal("error: --hook 'blocks.*.mlp.hook_pots' matches no per-token hook of this model; the closest is blocks.*.mlp.hook_post", line);
        Assert.False(Directory.Exists(dir["x"]));
    }
}
