using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Records;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>
/// Transcoder folders in SAELens's transcoder layout: written and read back here, and read by
/// <c>tests/scripts/saelens_reference.py</c> (numpy, SAELens's transcoder semantics, no Interp code).
/// </summary>
public sealed class TranscoderFormatTests
{
    private const int DIn = 12, DOut = 8, DSae = 40;

    internal static SaeConfig Config(SaeArchitecture architecture, bool skip, int layer = 2) => new()
    {
        Architecture = architecture,
        DIn = DIn,
        DSae = DSae,
        DOut = DOut,
        K = architecture == SaeArchitecture.TopK ? 6 : 0,
        IsTranscoder = true,
        HasSkip = skip,
        HookName = $"blocks.{layer}.ln2.hook_normalized",
        HookLayer = layer,
        OutputHookName = $"blocks.{layer}.hook_mlp_out",
        ApplyBDecToInput = false,
        ModelName = "tiny-random-gpt2",
    };

    /// <summary>A transcoder with every tensor non-trivial: biases, a skip matrix, thresholds that cut some latents.</summary>
    internal static SparseAutoencoder Random(SaeArchitecture architecture, bool skip)
    {
        var sae = SparseAutoencoder.Create(Config(architecture, skip), seed: 5, jumpReluInitialThreshold: 0.3);
        using var noGrad = no_grad();
        sae.EncoderBias.copy_(linspace(-0.4, 0.6, DSae));
        sae.DecoderBias.copy_(linspace(-1, 1, DOut));
        using (var generator = new Generator(9, CPU)) sae.SkipWeight?.copy_(randn(DOut, DIn, generator: generator) * 0.3);
        return sae;
    }

    public static TheoryData<SaeArchitecture, bool> Kinds => new()
    {
        { SaeArchitecture.Relu, false }, { SaeArchitecture.Relu, true },
        { SaeArchitecture.TopK, false }, { SaeArchitecture.TopK, true },
        { SaeArchitecture.JumpRelu, false }, { SaeArchitecture.JumpRelu, true },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_saved_transcoder_loads_with_the_same_config_and_outputs_and_its_cfg_has_saelens_transcoder_keys(SaeArchitecture architecture, bool skip)
    {
        using var dir = new TempDir();
        using var sae = Random(architecture, skip);
        sae.Save(dir.Path);
        using var loaded = SparseAutoencoder.Load(dir.Path);

        Assert.Equal(sae.Config, loaded.Config);
        Assert.Equal((true, skip, DOut, "blocks.2.hook_mlp_out"), (loaded.Config.IsTranscoder, loaded.Config.HasSkip, loaded.DOut, loaded.Config.OutputHookName));
        Assert.Equal(skip, loaded.SkipWeight is not null);
        Assert.Equal([DSae, DOut], loaded.DecoderWeight.shape);
        using var x = T.RandomRows(32, DIn, seed: 11);
        using var expected = sae.Transcode(x);
        using var actual = loaded.Transcode(x);
        Assert.Equal([32, DOut], actual.shape);
        Assert.True(T.MaxAbsDifference(expected, actual) < 1e-6);

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, SaeFolder.ConfigFileName)))!.AsObject();
        var name = (architecture, skip) switch
        {
            (SaeArchitecture.Relu, false) => "transcoder", (SaeArchitecture.Relu, true) => "skip_transcoder",
            (SaeArchitecture.JumpRelu, false) => "jumprelu_transcoder", (SaeArchitecture.JumpRelu, true) => "jumprelu_skip_transcoder",
            (SaeArchitecture.TopK, false) => "topk_transcoder", _ => "topk_skip_transcoder",
        };
        Assert.Equal(name, (string?)cfg["architecture"]);
        Assert.Equal((DIn, DOut, DSae), ((int)cfg["d_in"]!, (int)cfg["d_out"]!, (int)cfg["d_sae"]!));
        Assert.Equal(("blocks.2.ln2.hook_normalized", "blocks.2.hook_mlp_out", 2), ((string?)cfg["hook_name"], (string?)cfg["hook_name_out"], (int)cfg["hook_layer_out"]!));
        Assert.False((bool)cfg["apply_b_dec_to_input"]!);
    }

    [NumpyTheory]
    [MemberData(nameof(Kinds))]
    public void The_independent_reader_with_saelens_transcoder_semantics_gives_the_output_interp_gives(SaeArchitecture architecture, bool skip)
    {
        using var dir = new TempDir();
        using var sae = Random(architecture, skip);
        sae.Save(dir["tc"]);
        using var x = T.RandomRows(64, DIn, seed: 13, scale: 2f);
        SaelensReference.WriteFloats(dir["rows.f32"], T.ToArray(x));

        using var summary = JsonDocument.Parse(SaelensReference.Run("transcode", dir["tc"], dir["rows.f32"], dir["ref"]));
        var root = summary.RootElement;
        Assert.Equal((skip, DOut, "blocks.2.hook_mlp_out"), (root.GetProperty("skip").GetBoolean(), root.GetProperty("d_out").GetInt32(), root.GetProperty("hook_name_out").GetString()));
        Assert.InRange(root.GetProperty("l0").GetDouble(), 1, DSae - 1);                          // some latents fire, not all
        var theirs = SaelensReference.ReadFloats(dir["ref"] + ".out.f32");
        using var ours = sae.Transcode(x);
        var mine = T.ToArray(ours);
        Assert.Equal(mine.Length, theirs.Length);
        var worst = mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-4, $"SAELens semantics and Interp differ by up to {worst}");
        Assert.Equal(SaelensReference.ReadFloats(dir["ref"] + ".latents.f32").Select(v => v > 0), T.ToArray(sae.Encode(x)).Select(v => v > 0));
    }

    [Fact]
    public void A_skip_transcoder_folder_without_W_skip_is_refused_naming_the_tensor()
    {
        using var dir = new TempDir();
        using (var plain = Random(SaeArchitecture.Relu, skip: false)) plain.Save(dir.Path);
        var cfgPath = Path.Combine(dir.Path, SaeFolder.ConfigFileName);
        File.WriteAllText(cfgPath, File.ReadAllText(cfgPath).Replace("\"transcoder\"", "\"skip_transcoder\"", StringComparison.Ordinal));
        var error = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Contains("missing tensor 'W_skip'", error.Message, StringComparison.Ordinal);
        Assert.Contains("d_out=8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transcoder_cfg_without_d_out_is_refused_naming_the_key()
    {
        using var dir = new TempDir();
        using (var sae = Random(SaeArchitecture.TopK, skip: true)) sae.Save(dir.Path);
        var cfgPath = Path.Combine(dir.Path, SaeFolder.ConfigFileName);
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg.Remove("d_out");
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        var error = Assert.Throws<InterpException>(() => SparseAutoencoder.Load(dir.Path));
        Assert.Equal($"{cfgPath}: missing key 'd_out' (a transcoder's output width)", error.Message);
    }

    [Fact]
    public void A_saelens_6_transcoder_cfg_without_hook_name_out_reconstructs_its_blocks_mlp_output()
    {
        var cfg = JsonNode.Parse("""
            {"architecture": "jumprelu_skip_transcoder", "d_in": 12, "d_sae": 40, "d_out": 12, "apply_b_dec_to_input": false,
             "normalize_activations": "none", "metadata": {"sae_lens_version": "6.12.0", "hook_name": "blocks.3.ln2.hook_normalized"}}
            """)!.AsObject();
        var config = SaeConfig.FromJson(cfg, "cfg.json");
        Assert.Equal((SaeArchitecture.JumpRelu, true, true, "blocks.3.hook_mlp_out", 3),
            (config.Architecture, config.IsTranscoder, config.HasSkip, config.OutputHookName, config.OutputHookLayer));
    }

    [Fact]
    public void A_transcoder_unit_source_prints_and_parses_as_transcoder_and_its_block()
    {
        var source = UnitSource.TranscoderLatents(2);
        Assert.Equal("transcoder:2", source.ToString());
        Assert.Equal("transcoder_latent", source.KindName);
        Assert.Equal("blocks.2.ln2.hook_normalized", source.Hook.Name);
        Assert.Equal(source, UnitSource.Parse("transcoder:2"));
        Assert.True(source.IsSae && source.IsTranscoder);
        Assert.False(UnitSource.TryParse("transcoder:", out _));
        Assert.False(UnitSource.TryParse("transcoder:x", out _));
    }
}
