using System.Text.Json;

namespace Interp.Cli.Tests;

public class JsonOutputTests
{
    [Fact]
    public void Tokenize_json_prints_ids_and_display_tokens_and_nothing_else()
    {
        var result = InterpProcess.Run("tokenize", "--text", "Hello world, this is GPT-2.", "--json");
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        var ids = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal([15496, 995, 11, 428, 318, 402, 11571, 12, 17, 13], ids);
        Assert.Equal(["Hello", " world", ",", " this", " is", " G", "PT", "-", "2", "."], tokens);
    }

    [Fact]
    public void Logits_json_matches_the_fixture_reference_values()
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestRepo.TinyRandomGpt2, "expected.json")));
        var inputs = expected.RootElement.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        var vocabIds = expected.RootElement.GetProperty("prompt_logits").GetProperty("vocab_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var values = expected.RootElement.GetProperty("prompt_logits").GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var k = 0;
        foreach (var row in inputs)
        {
            var result = InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", string.Join(',', row), "--json");
            Assert.Equal(0, result.ExitCode);
            using var doc = JsonDocument.Parse(result.Stdout);
            var logits = doc.RootElement.GetProperty("logits");
            Assert.Equal(row.Length, logits.GetArrayLength());
            foreach (var position in logits.EnumerateArray())
            {
                Assert.Equal(1000, position.GetArrayLength());
                foreach (var v in vocabIds) Assert.Equal(values[k++], position[v].GetDouble(), 1e-4);
            }
        }
        Assert.Equal(values.Length, k);
    }

    [Fact]
    public void Hooks_json_lists_every_hook_point_with_its_shape()
    {
        var result = InterpProcess.Run("hooks", "--model", TestRepo.TinyRandomGpt2, "--positions", "3", "--json");
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        var hooks = doc.RootElement.GetProperty("hooks").EnumerateArray()
            .ToDictionary(h => h.GetProperty("name").GetString()!, h => h.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal(2 + 5 * 17 + 2, hooks.Count);
        Assert.Equal([1L, 3, 1], hooks["blocks.3.ln2.hook_scale"]);
        Assert.Equal([1L, 3, 32], hooks["blocks.4.hook_resid_post"]);
        Assert.Equal([1L, 4, 3, 3], hooks["blocks.0.attn.hook_pattern"]);
        Assert.Equal([1L, 3, 4, 8], hooks["blocks.2.attn.hook_q"]);
        Assert.Equal([1L, 3, 128], hooks["blocks.1.mlp.hook_post"]);
        Assert.Equal([1L, 3, 32], hooks["ln_final.hook_normalized"]);
    }

    [Fact]
    public void Generate_with_the_embedded_model_continues_the_prompt()
    {
        var result = InterpProcess.Run("generate", "--prompt", "The king", "--max-new-tokens", "8", "--json");
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(2 + 8, doc.RootElement.GetProperty("ids").GetArrayLength());
        Assert.StartsWith("The king", doc.RootElement.GetProperty("text").GetString());
    }
}
