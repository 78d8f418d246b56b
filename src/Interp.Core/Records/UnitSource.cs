using Interp.Core.Hooks;

namespace Interp.Core.Records;

/// <summary>What a unit is: a neuron (one dimension of a hook's activation) or a latent of an SAE.</summary>
public enum UnitKind
{
    Neuron,
    SaeLatent,
}

/// <summary>
/// Where units live: the neurons of a hook (printed as the hook, <c>blocks.1.mlp.hook_post</c>) or the latents of the SAE
/// that reads a hook (<c>sae:blocks.2.hook_resid_pre</c>). The printed form is a <see cref="UnitId.Source"/>, and what
/// records manifests, results files and URLs carry.
/// </summary>
/// <param name="Kind">Neurons or SAE latents.</param>
/// <param name="Hook">The hook the units are (neurons) or are read at (latents).</param>
public readonly record struct UnitSource(UnitKind Kind, HookName Hook)
{
    /// <summary>What an SAE's source starts with.</summary>
    public const string SaePrefix = "sae:";

    /// <summary>The neurons of <paramref name="hook"/>.</summary>
    public static UnitSource Neurons(HookName hook) => new(UnitKind.Neuron, hook);

    /// <summary>The latents of the SAE that reads <paramref name="hook"/>.</summary>
    public static UnitSource SaeLatents(HookName hook) => new(UnitKind.SaeLatent, hook);

    /// <summary>Latents of an SAE rather than neurons of a hook.</summary>
    public bool IsSae => Kind == UnitKind.SaeLatent;

    /// <summary>The kind as records manifests write it: <c>neuron</c> or <c>sae_latent</c>.</summary>
    public string KindName => NameOf(Kind);

    /// <summary><c>neuron</c> or <c>sae_latent</c>.</summary>
    public static string NameOf(UnitKind kind) => kind switch
    {
        UnitKind.Neuron => "neuron",
        UnitKind.SaeLatent => "sae_latent",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The hook, or <c>sae:</c> and the hook.</summary>
    public override string ToString() => IsSae ? SaePrefix + Hook.Name : Hook.Name;

    /// <summary>Parses the printed form: a hook name, or <c>sae:</c> and a hook name.</summary>
    /// <exception cref="InterpException">Empty, blank, or with no hook after <c>sae:</c>.</exception>
    public static UnitSource Parse(string text) =>
        TryParse(text, out var source)
            ? source
            : throw new InterpException($"unit source '{text}': expected a hook (e.g. blocks.1.mlp.hook_post) or sae: and a hook (e.g. sae:blocks.2.hook_resid_pre)");

    /// <summary>Parses the printed form; false for text that is not one (see <see cref="Parse"/>).</summary>
    public static bool TryParse(string? text, out UnitSource source)
    {
        source = default;
        if (string.IsNullOrEmpty(text)) return false;
        var sae = text.StartsWith(SaePrefix, StringComparison.Ordinal);
        var hook = sae ? text[SaePrefix.Length..] : text;
        if (hook.Length == 0 || hook.Any(char.IsWhiteSpace) || hook.StartsWith(SaePrefix, StringComparison.Ordinal)) return false;
        source = new UnitSource(sae ? UnitKind.SaeLatent : UnitKind.Neuron, new HookName(hook));
        return true;
    }
}
