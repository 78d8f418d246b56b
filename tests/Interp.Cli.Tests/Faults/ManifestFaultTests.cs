using System.Text.Json.Nodes;

namespace Interp.Cli.Tests.Faults;

/// <summary>A damaged <c>manifest.json</c> or SAE <c>cfg.json</c> is refused in one line naming the file, key and value, before anything it names is opened.</summary>
public sealed class ManifestFaultTests(FaultWorkspace workspace) : IClassFixture<FaultWorkspace>
{
    private string DamagedStore(Action<JsonObject> damage)
    {
        var copy = workspace.Copy(workspace.StoreFolder);
        var path = Path.Combine(copy, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        damage(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
        return copy;
    }

    [Theory]
    [InlineData("info")]
    [InlineData("verify")]
    public void A_negative_width_is_named_with_its_value(string verb)
    {
        var store = DamagedStore(m => m["d"] = -5);
        var line = InterpProcess.Run("store", verb, store).ErrorLine;
        Assert.Contains("manifest.json: d = -5: must be between 1 and", line);
    }

    [Fact]
    public void A_width_past_int_range_is_one_line_naming_the_manifest()
    {
        var store = DamagedStore(m => m["d"] = 2e9);
        var line = InterpProcess.Run("store", "info", store).ErrorLine;
        Assert.Contains("manifest.json", line);
        Assert.DoesNotContain("OverflowException", line);
    }

    [Fact]
    public void A_zero_context_length_is_named_with_its_value()
    {
        var line = InterpProcess.Run("store", "verify", DamagedStore(m => m["ctx"] = 0)).ErrorLine;
        Assert.Contains("manifest.json: ctx = 0: must be between 1 and", line);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/shard-00000.parquet")]
    public void A_shard_file_outside_the_store_folder_is_refused_before_it_is_opened(string file)
    {
        var store = DamagedStore(m => m["shards"]![0]!["file"] = file);
        var line = InterpProcess.Run("store", "verify", store).ErrorLine;
        Assert.Contains($"manifest.json: shards[0].file = '{file}': must be the file name shard-00000.parquet inside the store folder", line);
    }

    [Fact]
    public void Sae_info_on_a_cfg_without_hook_name_names_the_file_and_key()
    {
        const string key = "hook_name";
        var sae = workspace.Copy(workspace.Sae);
        var path = Path.Combine(sae, "cfg.json");
        var cfg = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        cfg.Remove(key);
        (cfg["metadata"] as JsonObject)?.Remove(key);
        File.WriteAllText(path, cfg.ToJsonString());
        var line = InterpProcess.Run("sae", "info", sae).ErrorLine;
        Assert.Contains("cfg.json", line);
        Assert.Contains($"'{key}'", line);
    }
}
