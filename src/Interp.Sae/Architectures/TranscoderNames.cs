using Interp.Core;

namespace Interp.Sae.Architectures;

/// <summary>
/// The <c>architecture</c> names of transcoders in <c>cfg.json</c>. SAELens's (sae_lens/saes/transcoder.py):
/// <c>transcoder</c> and <c>skip_transcoder</c> (ReLU), <c>jumprelu_transcoder</c> and <c>jumprelu_skip_transcoder</c>.
/// SAELens has no TopK transcoder; Interp writes <c>topk_transcoder</c> / <c>topk_skip_transcoder</c> (the same pattern,
/// so SAELens refuses the folder rather than reading it as ReLU) and also reads SAELens ≤ 5's form, <c>transcoder</c>
/// with <c>activation_fn</c> <c>topk</c>.
/// </summary>
public static class TranscoderNames
{
    /// <summary>The name Interp writes for a transcoder of <paramref name="architecture"/>, with or without a skip connection.</summary>
    public static string Of(SaeArchitecture architecture, bool skip) => architecture switch
    {
        SaeArchitecture.Relu => skip ? "skip_transcoder" : "transcoder",
        SaeArchitecture.JumpRelu => skip ? "jumprelu_skip_transcoder" : "jumprelu_transcoder",
        SaeArchitecture.TopK => skip ? "topk_skip_transcoder" : "topk_transcoder",
        _ => throw new InterpException($"a transcoder cannot be {architecture.ToSaeLensName()} (relu, topk or jumprelu)"),
    };

    /// <summary>True when <paramref name="name"/> names a transcoder (any of <see cref="Of"/>'s names, case-insensitive).</summary>
    public static bool IsTranscoder(string? name) => name is not null && name.Trim().EndsWith("transcoder", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The activation and skip connection a transcoder's <c>architecture</c> (and, for the plain names, its
    /// <c>activation_fn</c>) describe; an unknown name is an <see cref="InterpException"/> naming <paramref name="where"/>.
    /// </summary>
    public static (SaeArchitecture Architecture, bool Skip) Parse(string name, string? activationFn, string where)
    {
        var wanted = name.Trim().ToLowerInvariant();
        foreach (var architecture in new[] { SaeArchitecture.Relu, SaeArchitecture.JumpRelu, SaeArchitecture.TopK })
            foreach (var skip in new[] { false, true })
                if (Of(architecture, skip) == wanted)
                    return (architecture == SaeArchitecture.Relu && string.Equals(activationFn, "topk", StringComparison.OrdinalIgnoreCase)
                        ? SaeArchitecture.TopK : architecture, skip);
        throw new InterpException($"{where}: 'architecture': unknown transcoder architecture '{name}' (expected transcoder, skip_transcoder, " +
                                  "jumprelu_transcoder, jumprelu_skip_transcoder, topk_transcoder or topk_skip_transcoder)");
    }
}
