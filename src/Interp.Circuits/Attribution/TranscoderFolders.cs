using Interp.Core;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// Where transcoders are read from: each path is a transcoder folder (<c>cfg.json</c> + <c>sae_weights.safetensors</c>,
/// SAELens's layout) or a folder of them named <c>layer-&lt;L&gt;</c>, as a run's <c>transcoders/</c>.
/// </summary>
public static class TranscoderFolders
{
    /// <summary>The transcoder folders <paramref name="paths"/> name, in order (a parent's <c>layer-L</c> by L).</summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var folders = new List<string>();
        foreach (var path in paths)
        {
            if (!Directory.Exists(path)) throw new InterpException($"{path}: no such transcoder folder");
            if (File.Exists(Path.Combine(path, SaeFolder.ConfigFileName))) { folders.Add(path); continue; }
            var layers = RunLayout.LayerFolders(path)
                .Where(x => File.Exists(Path.Combine(x.Folder, SaeFolder.ConfigFileName))).Select(x => x.Folder).ToArray();
            if (layers.Length == 0) throw new InterpException($"{path}: neither a transcoder folder (cfg.json) nor a folder of layer-<L>/ transcoder folders");
            folders.AddRange(layers);
        }
        if (folders.Count == 0) throw new InterpException("no transcoder folders given");
        return folders;
    }

    /// <summary>Loads every transcoder <paramref name="paths"/> name (see <see cref="Expand"/>); the caller disposes them.</summary>
    public static SparseAutoencoder[] Load(IEnumerable<string> paths, Device? device = null)
    {
        var loaded = new List<SparseAutoencoder>();
        try
        {
            foreach (var folder in Expand(paths))
            {
                var sae = SparseAutoencoder.Load(folder, device);
                loaded.Add(sae);
                TranscoderParts.LayerOf(sae);                                                      // a transcoder's input hook, or one line
            }
            return [.. loaded];
        }
        catch
        {
            foreach (var sae in loaded) sae.Dispose();
            throw;
        }
    }
}
