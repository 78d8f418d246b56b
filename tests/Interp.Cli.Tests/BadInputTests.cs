namespace Interp.Cli.Tests;

/// <summary>Bad input gives one line on stderr naming the culprit, a non-zero exit, and no stack trace.</summary>
public class BadInputTests
{
    private static void AssertOneClearLine(InterpProcess.Result result, params string[] mentions)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{result.Stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain(" at ", lines[0].Replace("at step", ""));
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
    }

    [Fact]
    public void A_missing_model_folder_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-model-folder", "x");
        AssertOneClearLine(InterpProcess.Run("logits", "--model", missing, "--ids", "1,2"), missing);
    }

    [Fact]
    public void A_truncated_safetensors_file_is_named()
    {
        var dir = TestRepo.TinyRandomGpt2Copy();
        var weights = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        AssertOneClearLine(InterpProcess.Run("logits", "--model", dir, "--ids", "1,2"), "model.safetensors");
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_is_reported()
    {
        var dir = TestRepo.TinyRandomGpt2Copy();
        var weights = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        BitConverter.GetBytes((ulong)bytes.Length * 2).CopyTo(bytes, 0);
        File.WriteAllBytes(weights, bytes);
        AssertOneClearLine(InterpProcess.Run("logits", "--model", dir, "--ids", "1,2"), "model.safetensors");
    }

    [Fact]
    public void A_shape_that_disagrees_with_config_json_names_the_key()
    {
        var dir = TestRepo.TinyRandomGpt2Copy();
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"n_embd\": 32", "\"n_embd\": 64"));
        // The first tensor checked (file order) is named with both shapes.
        AssertOneClearLine(InterpProcess.Run("logits", "--model", dir, "--ids", "1,2"), "model.safetensors", "tensor '", "has shape", "config.json implies");
    }

    [Fact]
    public void A_token_id_out_of_range_is_named()
    {
        AssertOneClearLine(InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", "1,5000"), "5000", "vocab_size=1000");
    }

    [Fact]
    public void A_non_numeric_token_id_is_named()
    {
        AssertOneClearLine(InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", "1,abc"), "abc");
    }

    [Fact]
    public void A_context_longer_than_n_positions_is_refused()
    {
        var ids = string.Join(',', Enumerable.Repeat(1, 513));
        AssertOneClearLine(InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", ids), "513", "n_positions=512");
    }

    [Fact]
    public void Generating_past_n_positions_is_refused()
    {
        AssertOneClearLine(InterpProcess.Run("generate", "--prompt", "Hello", "--max-new-tokens", "100000"), "n_positions");
    }

    [Fact]
    public void An_unknown_device_is_named()
    {
        AssertOneClearLine(InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", "1", "--device", "tpu"), "tpu");
    }

    [Fact]
    public void A_hub_name_offline_says_where_to_put_the_files()
    {
        var cache = Directory.CreateTempSubdirectory("interp-cache-").FullName;
        var result = InterpProcess.Run(["logits", "--model", "gpt2-medium", "--ids", "1"],
            new Dictionary<string, string> { ["HF_HUB_OFFLINE"] = "1", ["INTERP_CACHE"] = cache });
        AssertOneClearLine(result, "gpt2-medium", cache, "model.safetensors");
    }
}
