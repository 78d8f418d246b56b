using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// A transcoder's fields in <c>cfg.json</c>, as SAELens writes them (sae_lens/saes/transcoder.py, <c>TranscoderConfig</c>):
/// it reads <see cref="HookName"/> (e.g. <c>blocks.L.ln2.hook_normalized</c>) and writes <see cref="OutputHookName"/>
/// (<c>hook_name_out</c>, e.g. <c>blocks.L.hook_mlp_out</c>) of width <see cref="DOut"/> (<c>d_out</c>); b_dec [d_out]
/// is never subtracted from the input (<c>apply_b_dec_to_input</c> false); the skip variants add x·W_skipᵀ.
/// </summary>
public sealed partial record SaeConfig
{
    private readonly int? _dOut;
    private readonly string _outputHookName = "";

    /// <summary>A transcoder (<c>architecture</c> <c>…transcoder</c>): reads one hook, reconstructs another.</summary>
    public bool IsTranscoder { get; init; }

    /// <summary>A transcoder with a skip connection W_skip [d_out, d_in] (<c>skip_transcoder</c>, <c>jumprelu_skip_transcoder</c>).</summary>
    public bool HasSkip { get; init; }

    /// <summary><c>d_out</c>: the width of what the decoder writes; d_in for a plain SAE.</summary>
    public int DOut { get => _dOut ?? DIn; init => _dOut = value; }

    /// <summary><c>hook_name_out</c>: the hook a transcoder reconstructs; <see cref="HookName"/> for a plain SAE.</summary>
    public string OutputHookName { get => IsTranscoder ? _outputHookName : HookName; init => _outputHookName = value ?? ""; }

    /// <summary><c>hook_layer_out</c>: the block of <see cref="OutputHookName"/>.</summary>
    public int OutputHookLayer => LayerOf(OutputHookName);

    /// <summary>The <c>architecture</c> value written to cfg.json (see <see cref="TranscoderNames"/> for transcoders).</summary>
    public string SaeLensArchitectureName => IsTranscoder ? TranscoderNames.Of(Architecture, HasSkip) : Architecture.ToSaeLensName();

    /// <summary>"transcoder" or "SAE", for messages.</summary>
    public string KindName => IsTranscoder ? "transcoder" : "SAE";

    private void ValidateTranscoder(string where)
    {
        if (!IsTranscoder)
        {
            if (HasSkip) throw new InterpException($"{where}: a skip connection needs a transcoder architecture");
            if (DOut != DIn) throw new InterpException($"{where}: 'd_out' {DOut} differs from d_in={DIn}, which only a transcoder may have");
            return;
        }
        if (DOut <= 0) throw new InterpException($"{where}: 'd_out' must be a positive integer, got {DOut}");
        if (Architecture is not (SaeArchitecture.Relu or SaeArchitecture.TopK or SaeArchitecture.JumpRelu))
            throw new InterpException($"{where}: a transcoder cannot be {Architecture.ToSaeLensName()} (relu, topk or jumprelu)");
        if (ApplyBDecToInput) throw new InterpException($"{where}: 'apply_b_dec_to_input' must be false for a transcoder (b_dec has width d_out)");
        if (NormalizeActivations != NormalizeNone)
            throw new InterpException($"{where}: 'normalize_activations' must be none for a transcoder, got '{NormalizeActivations}'");
        if (string.IsNullOrWhiteSpace(_outputHookName)) throw new InterpException($"{where}: missing key 'hook_name_out'");
    }

    private void WriteTranscoderFields(JsonObject root)
    {
        if (!IsTranscoder) return;
        root["d_out"] = DOut;
        root["hook_name_out"] = OutputHookName;
        root["hook_layer_out"] = OutputHookLayer;
        root["hook_head_index_out"] = null;
    }

    /// <summary>
    /// <paramref name="config"/> with a transcoder's fields from cfg.json (<paramref name="find"/> looks a key up, flat
    /// or in SAELens 6's metadata). SAELens 6 keeps <c>hook_name_out</c> out of the config; when it is missing and the
    /// input is an MLP's input (<c>ln2.hook_normalized</c>, <c>hook_mlp_in</c>) the output is that block's <c>hook_mlp_out</c>.
    /// </summary>
    private static SaeConfig WithTranscoderFields(SaeConfig config, bool skip, Func<string, JsonNode?> find, string where)
    {
        var dOutNode = find("d_out") ?? throw new InterpException($"{where}: missing key 'd_out' (a transcoder's output width)");
        if (dOutNode is not JsonValue v || !v.TryGetValue<double>(out var d) || d != Math.Floor(d) || d is < 1 or > int.MaxValue)
            throw new InterpException($"{where}: 'd_out' must be a positive integer, got {dOutNode.ToJsonString()}");
        string output;
        var outNode = find("hook_name_out");
        if (outNode is null)
            output = MlpOutputOf(config.HookName) ?? throw new InterpException($"{where}: missing key 'hook_name_out' (the hook the transcoder reconstructs)");
        else if (outNode is JsonValue s && s.TryGetValue<string>(out var text) && text.Trim().Length > 0)
            output = text;
        else
            throw new InterpException($"{where}: 'hook_name_out' must be a hook name, got {outNode.ToJsonString()}");
        return config with { IsTranscoder = true, HasSkip = skip, DOut = (int)d, OutputHookName = output, ApplyBDecToInput = false };
    }

    /// <summary>blocks.L.hook_mlp_out for an MLP input hook of block L, else null.</summary>
    private static string? MlpOutputOf(string inputHook)
    {
        var layer = LayerOf(inputHook);
        return inputHook == $"blocks.{layer}.ln2.hook_normalized" || inputHook == $"blocks.{layer}.hook_mlp_in" ? $"blocks.{layer}.hook_mlp_out" : null;
    }
}
