using Interp.Core.Records;

namespace Interp.Web.Units;

/// <summary>A finished records store of a run: one source of units (a hook's neurons or an SAE's latents) that has pages.</summary>
/// <param name="Run">The run's name.</param>
/// <param name="Source">The units' source, e.g. <c>blocks.1.mlp.hook_post</c> or <c>sae:blocks.2.hook_resid_pre</c>.</param>
/// <param name="Kind"><c>neuron</c> or <c>sae_latent</c>.</param>
/// <param name="Hook">The hook the activations were read at.</param>
/// <param name="SourceUnits">Units the source has.</param>
/// <param name="UnitCount">Units with a record.</param>
/// <param name="Tokens">Tokens the statistics cover.</param>
/// <param name="RecordsFolder">The records folder.</param>
public sealed record UnitSourceRef(string Run, string Source, string Kind, string Hook, int SourceUnits, int UnitCount, long Tokens, string RecordsFolder)
{
    /// <summary>Latents of an SAE rather than neurons of a hook.</summary>
    public bool IsSae => Kind == UnitSource.NameOf(UnitKind.SaeLatent) || IsTranscoder || UnitSource.TryParse(Source, out var parsed) && parsed.IsSae;

    /// <summary>Latents of a transcoder (<c>transcoder:L</c>).</summary>
    public bool IsTranscoder => Kind == UnitSource.NameOf(UnitKind.TranscoderLatent) || UnitSource.TryParse(Source, out var parsed) && parsed.IsTranscoder;
}
