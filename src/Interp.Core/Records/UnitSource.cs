using Interp.Core.Hooks;

namespace Interp.Core.Records;

/// <summary>What a unit is: a neuron (one dimension of a hook's activation), a latent of an SAE or of a transcoder.</summary>
public enum UnitKind
{
    Neuron,
    SaeLatent,
    TranscoderLatent,
}

/// <summary>
/// Where units live: the neurons of a hook (printed as the hook, <c>blocks.1.mlp.hook_post</c>) or the latents of the SAE
/// that reads a hook (<c>sae:blocks.2.hook_resid_pre</c>), or the latents of block L's transcoder (<c>transcoder:2</c>,
/// read at <c>blocks.L.ln2.hook_normalized</c>, written to <c>blocks.L.hook_mlp_out</c>). The printed form is a
/// <see cref="UnitId.Source"/>, and what records manifests, results files and URLs carry.
/// </summary>
/// <param name="Kind">Neurons, SAE latents or transcoder latents.</param>
/// <param name="Hook">The hook the units are (neurons) or are read at (latents).</param>
public readonly record struct UnitSource(UnitKind Kind, HookName Hook)
{
    /// <summary>What an SAE's source starts with.</summary>
    public const string SaePrefix = "sae:";

    /// <summary>The neurons of <paramref name="hook"/>.</summary>
    public static UnitSource Neurons(HookName hook) => new(UnitKind.Neuron, hook);

    /// <summary>The latents of the SAE that reads <paramref name="hook"/>.</summary>
    public static UnitSource SaeLatents(HookName hook) => new(UnitKind.SaeLatent, hook);

    /// <summary>What a transcoder's source starts with.</summary>
    public const string TranscoderPrefix = "transcoder:";

    /// <summary>The latents of block <paramref name="layer"/>'s transcoder (read at its <c>ln2.hook_normalized</c>).</summary>
    public static UnitSource TranscoderLatents(int layer) => new(UnitKind.TranscoderLatent, HookName.Ln2Normalized(layer));

    /// <summary>Latents (of an SAE or a transcoder) rather than neurons of a hook: units an SAE folder defines.</summary>
    public bool IsSae => Kind is UnitKind.SaeLatent or UnitKind.TranscoderLatent;

    /// <summary>Latents of a transcoder.</summary>
    public bool IsTranscoder => Kind == UnitKind.TranscoderLatent;

    /// <summary>The kind as records manifests write it: <c>neuron</c>, <c>sae_latent</c> or <c>transcoder_latent</c>.</summary>
    public string KindName => NameOf(Kind);

    /// <summary><c>neuron</c>, <c>sae_latent</c> or <c>transcoder_latent</c>.</summary>
    public static string NameOf(UnitKind kind) => kind switch
    {
        UnitKind.Neuron => "neuron",
        UnitKind.SaeLatent => "sae_latent",
        UnitKind.TranscoderLatent => "transcoder_latent",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The hook, <c>sae:</c> and the hook, or <c>transcoder:</c> and the block.</summary>
    public override string ToString() => Kind switch
    {
        UnitKind.SaeLatent => SaePrefix + Hook.Name,
        UnitKind.TranscoderLatent => TranscoderPrefix + LayerOfBlockHook(Hook.Name).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Hook.Name,
    };

    /// <summary>Parses the printed form: a hook name, <c>sae:</c> and a hook name, or <c>transcoder:</c> and a block number.</summary>
    /// <exception cref="InterpException">Empty, blank, or with no hook after <c>sae:</c> or no block after <c>transcoder:</c>.</exception>
    public static UnitSource Parse(string text) =>
        TryParse(text, out var source)
            ? source
            : throw new InterpException($"unit source '{text}': expected a hook (e.g. blocks.1.mlp.hook_post), sae: and a hook (e.g. sae:blocks.2.hook_resid_pre) or transcoder: and a block (e.g. transcoder:2)");

    /// <summary>Parses the printed form; false for text that is not one (see <see cref="Parse"/>).</summary>
    public static bool TryParse(string? text, out UnitSource source)
    {
        source = default;
        if (string.IsNullOrEmpty(text)) return false;
        if (text.StartsWith(TranscoderPrefix, StringComparison.Ordinal))
        {
            var block = text[TranscoderPrefix.Length..];
            if (block.Length == 0 || block.Length > 6 || !block.All(char.IsAsciiDigit)) return false;
            source = TranscoderLatents(int.Parse(block, System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        var sae = text.StartsWith(SaePrefix, StringComparison.Ordinal);
        var hook = sae ? text[SaePrefix.Length..] : text;
        if (hook.Length == 0 || hook.Any(char.IsWhiteSpace) || hook.StartsWith(SaePrefix, StringComparison.Ordinal)) return false;
        source = new UnitSource(sae ? UnitKind.SaeLatent : UnitKind.Neuron, new HookName(hook));
        return true;
    }

    private static int LayerOfBlockHook(string hook)
    {
        var parts = hook.Split('.');
        return parts.Length > 1 && parts[0] == "blocks" && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var layer) ? layer : 0;
    }
}
