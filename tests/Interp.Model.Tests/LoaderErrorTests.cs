using Interp.Core;
using Interp.Core.Safetensors;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// Every bad model folder or bad input is one <see cref="InterpException"/> whose message names the file, key or value at
/// fault. Folders are written by <see cref="RandomGpt2"/> and then broken in one way each.
/// </summary>
public sealed class LoaderErrorTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly RandomGpt2 _weights = new();

    public void Dispose() => _temp.Dispose();

    private string Folder(string name, IEnumerable<SafetensorsWriter.Entry>? entries = null) => _weights.WriteFolder(_temp.Sub(name), entries);

    private static InterpException LoadFails(string dir) => Assert.Throws<InterpException>(() => Gpt2.Load(dir));

    [Fact]
    public void A_missing_folder_is_named()
    {
        var dir = Path.Combine(_temp.Path, "no-such-model");
        Assert.Contains(dir, LoadFails(dir).Message);
    }

    [Fact]
    public void A_missing_model_safetensors_is_named()
    {
        var dir = Folder("no-weights");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var e = LoadFails(dir);
        Assert.Contains(Path.Combine(dir, "model.safetensors"), e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void A_truncated_safetensors_file_is_named()
    {
        var dir = Folder("truncated");
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = LoadFails(dir);
        Assert.Contains(path, e.Message);
        Assert.Contains("past the end", e.Message);

        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains(path, LoadFails(dir).Message);
    }

    [Fact]
    public void A_tensor_whose_shape_disagrees_with_config_json_names_the_key_and_both_shapes()
    {
        var entries = _weights.Entries();
        var i = entries.FindIndex(e => e.Name == "transformer.h.1.mlp.c_fc.weight");
        // Same bytes, transposed shape [64, 16] instead of [16, 64].
        entries[i] = entries[i] with { Shape = [RandomGpt2.DMlp, RandomGpt2.NEmbd] };
        var e = LoadFails(Folder("bad-shape", entries));
        Assert.Contains("transformer.h.1.mlp.c_fc.weight", e.Message);
        Assert.Contains($"[{RandomGpt2.DMlp}, {RandomGpt2.NEmbd}]", e.Message);
        Assert.Contains($"[{RandomGpt2.NEmbd}, {RandomGpt2.DMlp}]", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var entries = _weights.Entries().Where(e => e.Name != "transformer.h.0.ln_2.bias").ToList();
        var e = LoadFails(Folder("missing-tensor", entries));
        Assert.Contains("h.0.ln_2.bias", e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_named()
    {
        var entries = _weights.Entries();
        entries.Add(new("transformer.h.0.attn.q_proj.weight", SafetensorsDtype.F32, [2], new byte[8]));
        var e = LoadFails(Folder("unexpected", entries));
        Assert.Contains("transformer.h.0.attn.q_proj.weight", e.Message);
        Assert.Contains("unexpected", e.Message);
    }

    [Fact]
    public void An_integer_tensor_is_rejected_with_its_key_and_dtype()
    {
        var entries = _weights.Entries();
        var i = entries.FindIndex(e => e.Name == "transformer.wpe.weight");
        entries[i] = entries[i] with { Dtype = SafetensorsDtype.I32 };           // same size: 4 bytes per element
        var e = LoadFails(Folder("int32", entries));
        Assert.Contains("transformer.wpe.weight", e.Message);
        Assert.Contains("I32", e.Message);
    }

    [Fact]
    public void A_config_json_with_bad_json_is_named()
    {
        var dir = Folder("bad-json");
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, "{ \"n_embd\": 16, ");
        var e = LoadFails(dir);
        Assert.Contains(config, e.Message);
        Assert.Contains("JSON", e.Message);
    }

    [Fact]
    public void A_config_json_without_n_embd_names_the_key()
    {
        var dir = Folder("no-n-embd");
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, RandomGpt2.ConfigJson(dropKey: "n_embd"));
        var e = LoadFails(dir);
        Assert.Contains(config, e.Message);
        Assert.Contains("n_embd", e.Message);
    }

    [Theory]
    [InlineData(RandomGpt2.VocabSize)]
    [InlineData(-1)]
    [InlineData(1_000_000)]
    public void A_token_id_out_of_range_is_named_with_the_vocab_size(long bad)
    {
        using var model = Gpt2.Load(Folder("model"));
        using var tokens = T.Tokens([[1, bad, 2]]);
        var e = Assert.Throws<InterpException>(() => model.Run(tokens));
        Assert.Contains(bad.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains($"vocab_size={RandomGpt2.VocabSize}", e.Message);
        Assert.Throws<InterpException>(() => Generation.Generate(model, [1, (int)Math.Clamp(bad, int.MinValue, int.MaxValue)], new GenerationOptions(MaxNewTokens: 1)));
    }

    [Fact]
    public void A_context_longer_than_n_positions_is_refused_also_through_the_kv_cache()
    {
        using var model = Gpt2.Load(Folder("model"));
        using var noGrad = no_grad();
        const int n = RandomGpt2.NPositions;
        using (var longest = model.Run(T.Tokens([new long[n]]))) Assert.Equal(n, longest.shape[1]);
        var e = Assert.Throws<InterpException>(() => model.Run(T.Tokens([new long[n + 1]])));
        Assert.Contains($"{n + 1}", e.Message);
        Assert.Contains($"n_positions={n}", e.Message);

        using var cache = new KvCache(model.Config.NLayer);
        using (model.Run(T.Tokens([new long[n - 2]]), cache: cache)) { }
        using (model.Run(T.Tokens([[1]]), cache: cache)) { }
        using (model.Run(T.Tokens([[2]]), cache: cache)) { }
        Assert.Equal(n, cache.Length);
        e = Assert.Throws<InterpException>(() => model.Run(T.Tokens([[3]]), cache: cache));
        Assert.Contains($"{n + 1}", e.Message);
        Assert.Contains($"n_positions={n}", e.Message);
        Assert.Equal(n, cache.Length);

        e = Assert.Throws<InterpException>(() => Generation.Generate(model, new int[n - 3], new GenerationOptions(MaxNewTokens: 4)));
        Assert.Contains($"n_positions={n}", e.Message);
        Assert.Equal(n, Generation.Generate(model, new int[n - 3], new GenerationOptions(MaxNewTokens: 3)).Length);
    }

    [Theory]
    [InlineData(SafetensorsDtype.F32)]
    [InlineData(SafetensorsDtype.F16)]
    public void Save_then_load_round_trips_the_logits(SafetensorsDtype dtype)
    {
        using var original = Gpt2.Load(Folder("original"));
        var saved = Path.Combine(_temp.Path, $"saved-{dtype}");
        original.SaveHuggingFace(saved, dtype);
        using var reloaded = Gpt2.Load(saved);
        Assert.Equal(original.Config, reloaded.Config);

        using var noGrad = no_grad();
        using var tokens = T.Tokens([[3, 1, 4, 1, 5, 9, 2, 6]]);
        using var a = original.Run(tokens);
        using var b = reloaded.Run(tokens);
        if (dtype == SafetensorsDtype.F32)
            Assert.Equal(0.0, T.MaxAbsDiff(a, b));
        else
        {
            // F16 storage: identical to loading the same weights rounded to F16 ourselves (exact), and near float32.
            using var rounded = Gpt2.Load(Folder("rounded", _weights.Entries(SafetensorsDtype.F16)));
            using var c = rounded.Run(tokens);
            Assert.Equal(0.0, T.MaxAbsDiff(c, b));
            Assert.True(T.MaxAbsDiff(a, b) < 1e-1, "F16 round trip moved the logits too far");
        }
    }
}
