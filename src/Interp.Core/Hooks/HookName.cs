using System.Text.RegularExpressions;

namespace Interp.Core.Hooks;

/// <summary>
/// A hook point's TransformerLens name (e.g. <c>blocks.6.hook_resid_pre</c>). Build them with the factories
/// (<see cref="ResidPre"/>) rather than by hand; <see cref="Parse"/> validates user input.
/// </summary>
public readonly partial record struct HookName(string Name)
{
    public static HookName Embed => new("hook_embed");
    public static HookName PosEmbed => new("hook_pos_embed");
    public static HookName ResidPre(int layer) => Block(layer, "hook_resid_pre");
    public static HookName Ln1Scale(int layer) => Block(layer, "ln1.hook_scale");
    public static HookName Ln1Normalized(int layer) => Block(layer, "ln1.hook_normalized");
    public static HookName Q(int layer) => Block(layer, "attn.hook_q");
    public static HookName K(int layer) => Block(layer, "attn.hook_k");
    public static HookName V(int layer) => Block(layer, "attn.hook_v");
    public static HookName AttnScores(int layer) => Block(layer, "attn.hook_attn_scores");
    public static HookName Pattern(int layer) => Block(layer, "attn.hook_pattern");
    public static HookName Z(int layer) => Block(layer, "attn.hook_z");
    public static HookName AttnOut(int layer) => Block(layer, "hook_attn_out");
    public static HookName ResidMid(int layer) => Block(layer, "hook_resid_mid");
    public static HookName Ln2Scale(int layer) => Block(layer, "ln2.hook_scale");
    public static HookName Ln2Normalized(int layer) => Block(layer, "ln2.hook_normalized");
    public static HookName MlpPre(int layer) => Block(layer, "mlp.hook_pre");
    public static HookName MlpPost(int layer) => Block(layer, "mlp.hook_post");
    public static HookName MlpOut(int layer) => Block(layer, "hook_mlp_out");
    public static HookName ResidPost(int layer) => Block(layer, "hook_resid_post");
    public static HookName LnFinalScale => new("ln_final.hook_scale");
    public static HookName LnFinalNormalized => new("ln_final.hook_normalized");

    /// <summary>The per-block hook suffixes in the order the forward pass reaches them.</summary>
    public static readonly IReadOnlyList<string> BlockSuffixes =
    [
        "hook_resid_pre", "ln1.hook_scale", "ln1.hook_normalized", "attn.hook_q", "attn.hook_k", "attn.hook_v",
        "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "hook_attn_out", "hook_resid_mid", "ln2.hook_scale",
        "ln2.hook_normalized", "mlp.hook_pre", "mlp.hook_post", "hook_mlp_out", "hook_resid_post",
    ];

    /// <summary>Every hook name of a model with <paramref name="nLayers"/> blocks, in forward order.</summary>
    public static IEnumerable<HookName> All(int nLayers)
    {
        yield return Embed;
        yield return PosEmbed;
        for (var l = 0; l < nLayers; l++)
            foreach (var suffix in BlockSuffixes) yield return Block(l, suffix);
        yield return LnFinalScale;
        yield return LnFinalNormalized;
    }

    /// <summary>
    /// The block this hook belongs to: -1 for the embeddings, <c>nLayers</c> for <c>ln_final</c>. A forward pass that
    /// only needs this hook can stop after block <see cref="Layer"/>.
    /// </summary>
    public int Layer(int nLayers) => Name switch
    {
        "hook_embed" or "hook_pos_embed" => -1,
        "ln_final.hook_scale" or "ln_final.hook_normalized" => nLayers,
        _ => BlockPattern().Match(Name) is { Success: true } m ? int.Parse(m.Groups[1].Value) : throw Unknown(Name, nLayers),
    };

    /// <summary>Validates a user-supplied name against a model with <paramref name="nLayers"/> blocks.</summary>
    public static HookName Parse(string name, int nLayers)
    {
        var hook = new HookName(name.Trim());
        if (!All(nLayers).Contains(hook)) throw Unknown(name, nLayers);
        return hook;
    }

    public override string ToString() => Name;

    public static implicit operator string(HookName hook) => hook.Name;

    private static HookName Block(int layer, string suffix)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        return new($"blocks.{layer}.{suffix}");
    }

    private static InterpException Unknown(string name, int nLayers) =>
        new($"unknown hook name '{name}': expected hook_embed, hook_pos_embed, blocks.<0..{nLayers - 1}>.<{string.Join("|", BlockSuffixes)}> or ln_final.<hook_scale|hook_normalized>");

    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockPattern();
}
