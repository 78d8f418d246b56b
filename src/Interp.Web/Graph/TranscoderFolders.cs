using Interp.Core;
using Interp.Sae;

namespace Interp.Web.Graph;

/// <summary>A run's finished transcoders (<c>RUN/transcoders/layer-L/</c>), one per layer, in layer order.</summary>
public static class TranscoderFolders
{
    /// <summary>The finished transcoders of <paramref name="runFolder"/> by layer (empty when it has none).</summary>
    public static IReadOnlyList<(int Layer, string Folder)> Of(string runFolder) =>
        RunLayout.LayerFolders(new RunLayout(runFolder).Transcoders).Where(f => SaeFolder.IsComplete(f.Folder)).ToArray();
}
