using System.Text.Json.Nodes;

namespace Interp.Cli.Tests.Circuits;

/// <summary>
/// The circuit verbs (<c>logit-lens</c>, <c>dla</c>, <c>patch</c>, <c>attention</c>) through the real <c>interp</c> on the
/// embedded model: their JSON shapes, the identities they keep, <c>--ids</c> taken as given and <c>--prompt</c> after BOS.
/// </summary>
public sealed class CircuitVerbTests
{
    private const string Prompt = "When Mary and John went to the store, John gave a drink to";

    private static JsonNode Json(params string[] args)
    {
        var result = InterpProcess.Run([.. args, "--json", "--threads", "1"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonNode.Parse(result.Stdout)!;
    }

    [Fact]
    public void Logit_lens_reads_every_block_input_then_the_final_stream_and_a_prompt_starts_with_bos()
    {
        var json = Json("logit-lens", "--prompt", Prompt, "--top", "3");
        var tokens = json["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
        Assert.Equal(50256, tokens[0]);
        Assert.Equal("<|endoftext|>", (string)json["str_tokens"]![0]!);
        var layers = json["layers"]!.AsArray();
        Assert.Equal(["blocks.0.hook_resid_pre", "blocks.1.hook_resid_pre", "blocks.2.hook_resid_pre", "blocks.3.hook_resid_pre", "blocks.3.hook_resid_post"],
            layers.Select(l => (string)l!["hook"]!));
        Assert.All(layers, l => Assert.Equal(tokens.Length, l!["top_ids"]!.AsArray().Count));
        Assert.All(layers, l => Assert.Equal(3, l!["top_logprobs"]![0]!.AsArray().Count));

        // The last entry is the model's own prediction: the logits verb's best token at each position.
        var logits = JsonNode.Parse(InterpProcess.Run("logits", "--ids", string.Join(',', tokens), "--json").Stdout)!["logits"]!.AsArray();
        for (var p = 0; p < tokens.Length; p++)
        {
            var row = logits[p]!.AsArray().Select(v => (float)v!).ToArray();
            Assert.Equal(Array.IndexOf(row, row.Max()), (int)layers[^1]!["top_ids"]![p]![0]!);
        }

        var literal = Json("logit-lens", "--ids", "464,3797,3332");
        Assert.Equal([464, 3797, 3332], literal["tokens"]!.AsArray().Select(t => (int)t!));
    }

    [Fact]
    public void Dla_components_sum_to_the_logit_with_and_without_weight_processing_and_a_token_may_be_given_as_text()
    {
        foreach (var processing in new[] { Array.Empty<string>(), ["--tl-processing"] })
        {
            var json = Json(["dla", "--prompt", Prompt, "--token", " Mary", .. processing]);
            Assert.Equal(5335, (int)json["token"]!);                                      // ' Mary'
            Assert.Equal(14, (int)json["position"]!);                                      // BOS + 14 tokens: the last
            var components = json["components"]!.AsArray();
            Assert.Equal((double)json["logit"]!, components.Sum(c => (double)c!["value"]!), 3);
            Assert.Contains(components, c => (string)c!["name"]! == "L3H2");
            Assert.Equal(processing.Length > 0, components.Any(c => (string)c!["name"]! == "unembed.b_U"));
        }
        var atPosition = Json("dla", "--ids", "464,3797,3332", "--token", "13", "--position", "1");
        Assert.Equal((1, 13), ((int)atPosition["position"]!, (int)atPosition["token"]!));
    }

    [Fact]
    public void Patch_gives_layers_by_positions_and_for_z_every_head_and_is_1_for_the_final_stream_at_the_last_position()
    {
        string[] args = ["patch", "--clean-prompt", Prompt, "--corrupt-prompt", Prompt.Replace("John gave", "Mary gave"), "--answer", " Mary", "--wrong", " John"];
        var residPre = Json([.. args, "--hook", "resid_pre"]);
        Assert.Equal("resid_pre", (string)residPre["hook"]!);
        var values = residPre["values"]!.AsArray();
        Assert.Equal(4, values.Count);
        Assert.All(values, row => Assert.Equal(15, row!.AsArray().Count));
        Assert.Equal(0.0, (double)values[0]![3]!);                                          // ' and' in both prompts
        Assert.Equal(1.0, (double)residPre["final_resid"]![14]!);
        Assert.NotEqual((double)residPre["clean_diff"]!, (double)residPre["corrupt_diff"]!);

        var z = Json([.. args, "--hook", "z"]);
        var heads = z["head_values"]!.AsArray();
        Assert.Equal(4, heads.Count);
        Assert.All(heads, layer => Assert.All(layer!.AsArray(), position => Assert.Equal(4, position!.AsArray().Count)));
        Assert.Null(z["final_resid"]);
    }

    [Fact]
    public void Attention_gives_each_heads_pattern_whose_rows_sum_to_1()
    {
        var json = Json("attention", "--prompt", "The cat sat on the mat", "--layer", "2");
        var layer = Assert.Single(json["layers"]!.AsArray())!;
        Assert.Equal(2, (int)layer["layer"]!);
        var patterns = layer["patterns"]!.AsArray();
        Assert.Equal(4, patterns.Count);
        foreach (var head in patterns)
            foreach (var row in head!.AsArray()) Assert.Equal(1.0, row!.AsArray().Sum(v => (double)v!), 4);
    }

    [Fact]
    public void Without_json_each_verb_prints_a_short_table()
    {
        var lens = InterpProcess.Run("logit-lens", "--ids", "464,3797,3332", "--threads", "1");
        Assert.True(lens.ExitCode == 0, lens.Stderr);
        Assert.Contains("3 resid_post", lens.Stdout);
        var dla = InterpProcess.Run("dla", "--prompt", Prompt, "--token", " Mary", "--threads", "1");
        Assert.Contains("logit of ' Mary' (5335) at position 14", dla.Stdout);
        var attention = InterpProcess.Run("attention", "--ids", "464,3797,3332", "--threads", "1");
        Assert.Contains("L3H3", attention.Stdout);
        var patch = InterpProcess.Run("patch", "--clean", "464,3797,3332", "--corrupt", "464,3290,3332", "--answer", "13", "--wrong", "11", "--hook", "mlp_out", "--threads", "1");
        Assert.True(patch.ExitCode == 0, patch.Stderr);
        Assert.Contains("patching mlp_out", patch.Stdout);
    }
}
