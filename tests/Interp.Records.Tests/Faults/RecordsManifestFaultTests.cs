using System.Text.Json.Nodes;
using Interp.Records;
using Interp.Core;

namespace Interp.Records.Tests.Faults;

/// <summary>A hand-edited records manifest is refused in one line naming the key and value, never an overflow later.</summary>
public sealed class RecordsManifestFaultTests
{
    private static string Damaged(string key, JsonNode? value)
    {
        var manifest = TestManifests.Neurons("blocks.0.mlp.hook_post", 512, 512);
        var node = JsonNode.Parse(manifest.ToJson())!.AsObject();
        node[key] = value;
        return node.ToJsonString();
    }

    [Fact]
    public void An_intact_manifest_still_parses()
    {
        var json = RecordsManifest.Parse(Damaged("ctx", 64), "manifest.json");
        Assert.Equal(64, json.Ctx);
    }

    [Theory]
    [InlineData("ctx", -5, "manifest.json: ctx = -5: must be between 1 and 1048576")]
    [InlineData("source_units", 0, "manifest.json: source_units = 0: must be between 1 and 2147483647")]
    [InlineData("contexts", -1, "manifest.json: contexts = -1: must be between 0 and")]
    [InlineData("unit_count", 513, "manifest.json: unit_count = 513: must be between 0 and 512")]
    [InlineData("tokens", 4096, "manifest.json: tokens = 4096: must be between 0 and 2048")]
    public void A_number_out_of_range_is_named_with_its_value(string key, long value, string message)
    {
        var e = Assert.Throws<InterpException>(() => RecordsManifest.Parse(Damaged(key, value), "manifest.json"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void An_empty_hook_is_named()
    {
        var e = Assert.Throws<InterpException>(() => RecordsManifest.Parse(Damaged("hook", ""), "manifest.json"));
        Assert.Equal("manifest.json: hook is missing or empty", e.Message);
    }
}
