using System.Text.Json.Nodes;
using Interp.Core;

namespace Interp.Sae.Tests;

/// <summary>
/// <c>model_from_pretrained_kwargs</c> in cfg.json, read as SAELens does (<c>HookedTransformer.from_pretrained_no_processing(**kwargs)</c>:
/// a step is on only when a kwarg turns it on), in the flat form and in SAELens 6's <c>metadata</c>, and written with every key.
/// </summary>
public sealed class ModelProcessingConfigTests
{
    private static JsonObject Flat(string? kwargs) => JsonNode.Parse($$"""
        {"architecture": "standard", "d_in": 16, "d_sae": 32, "hook_name": "blocks.8.hook_resid_pre", "model_name": "gpt2"
         {{(kwargs is null ? "" : $", \"model_from_pretrained_kwargs\": {kwargs}")}}}
        """)!.AsObject();

    [Fact]
    public void No_kwargs_means_the_unprocessed_model_and_each_key_turns_on_only_its_step()
    {
        Assert.Equal(TlProcessing.None, SaeConfig.FromJson(Flat(null), "cfg.json").ModelProcessing);
        Assert.Equal(TlProcessing.None, SaeConfig.FromJson(Flat("{}"), "cfg.json").ModelProcessing);
        // gpt2-small-res-jb's override in SAELens's pretrained_saes.yaml.
        Assert.Equal(new TlProcessing(CenterWritingWeights: true),
            SaeConfig.FromJson(Flat("""{"center_writing_weights": true, "n_devices": 1}"""), "cfg.json").ModelProcessing);
        Assert.Equal(new TlProcessing(FoldLn: true, FoldValueBiases: true),
            SaeConfig.FromJson(Flat("""{"fold_ln": true, "fold_value_biases": true, "center_unembed": false}"""), "cfg.json").ModelProcessing);
    }

    [Fact]
    public void Saelens_6_metadata_kwargs_are_read()
    {
        var root = JsonNode.Parse("""
            {"architecture": "jumprelu", "d_in": 16, "d_sae": 32,
             "metadata": {"hook_name": "blocks.8.hook_resid_pre", "model_name": "gpt2", "model_from_pretrained_kwargs": {"fold_ln": true}}}
            """)!.AsObject();
        Assert.Equal(new TlProcessing(FoldLn: true), SaeConfig.FromJson(root, "cfg.json").ModelProcessing);
    }

    [Fact]
    public void The_written_cfg_names_all_four_steps_and_reads_back_the_same()
    {
        var config = SaeConfig.FromJson(Flat("""{"center_unembed": true}"""), "cfg.json");
        var written = JsonNode.Parse(config.ToJson())!["model_from_pretrained_kwargs"]!.AsObject();
        Assert.Equal(TlProcessing.Keys, written.Select(p => p.Key));
        Assert.Equal(config, SaeConfig.FromJson(JsonNode.Parse(config.ToJson())!.AsObject(), "cfg.json"));
    }

    [Fact]
    public void Kwargs_that_are_not_an_object_or_not_booleans_are_one_line_naming_the_key()
    {
        var notObject = Assert.Throws<InterpException>(() => SaeConfig.FromJson(Flat("[1]"), "sae/cfg.json"));
        Assert.Equal("sae/cfg.json: 'model_from_pretrained_kwargs' must be an object, got [1]", notObject.Message);
        var notBool = Assert.Throws<InterpException>(() => SaeConfig.FromJson(Flat("""{"center_writing_weights": 1}"""), "sae/cfg.json"));
        Assert.Equal("sae/cfg.json: model_from_pretrained_kwargs.center_writing_weights must be true or false, got 1", notBool.Message);
    }
}
