using System.Globalization;
using Interp.Core;
using Interp.Sae;

namespace Interp.Web.Graph;

/// <summary>A run's finished transcoders (<c>RUN/transcoders/layer-L/</c>), one per layer, in layer order.</summary>
public static class TranscoderFolders
{
    /// <summary>What a transcoder's folder name starts with, before its layer.</summary>
    private const string LayerPrefix = "layer-";

    /// <summary>The finished transcoders of <paramref name="runFolder"/> by layer (empty when it has none).</summary>
    public static IReadOnlyList<(int Layer, string Folder)> Of(string runFolder)
    {
        var root = new RunLayout(runFolder).Transcoders;
        if (!Directory.Exists(root)) return [];
        var found = new List<(int Layer, string Folder)>();
        foreach (var folder in Directory.EnumerateDirectories(root, LayerPrefix + "*"))
        {
            var name = Path.GetFileName(folder);
            if (int.TryParse(name.AsSpan(LayerPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var layer) && SaeFolder.IsComplete(folder))
                found.Add((layer, folder));
        }
        return found.OrderBy(t => t.Layer).ToArray();
    }
}
