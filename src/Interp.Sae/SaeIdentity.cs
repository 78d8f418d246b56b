using System.Security.Cryptography;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// Which SAE a product was made with (a records manifest's <c>sae</c> block): its folder, a hash of its weights file, and
/// the shape and hook from its config.
/// </summary>
/// <param name="Path">The SAE folder as given, for people.</param>
/// <param name="WeightsSha256">SHA-256 of the folder's weights file (<see cref="SaeFolder.WeightsFileName"/>).</param>
/// <param name="Architecture">The SAELens architecture name (<c>standard</c>, <c>topk</c>, <c>skip_transcoder</c>, …).</param>
/// <param name="DIn">Input width.</param>
/// <param name="DSae">Latents.</param>
/// <param name="HookName">The hook it reads, from its config (may be empty).</param>
public sealed record SaeIdentity(string Path, string WeightsSha256, string Architecture, int DIn, int DSae, string HookName)
{
    /// <summary>The identity of <paramref name="sae"/>, loaded from <paramref name="folder"/>.</summary>
    public static SaeIdentity Of(SparseAutoencoder sae, string folder)
    {
        ArgumentNullException.ThrowIfNull(sae);
        string sha;
        using (var stream = File.OpenRead(System.IO.Path.Combine(folder, SaeFolder.WeightsFileName)))
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new SaeIdentity(folder, sha, sae.Config.SaeLensArchitectureName, sae.DIn, sae.DSae, sae.Config.HookName);
    }
}
