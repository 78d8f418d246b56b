using Interp.Core;
using Interp.Core.Tokenization;
using Interp.Model;
using Interp.Sae;

namespace Interp.Web.ModelWorker;

/// <summary>
/// What the model worker owns: the model (loaded on first use, on the worker thread; one copy per TransformerLens weight
/// processing asked for) and the SAEs asked for so far (a few, least recently used dropped). Only ever touched from the
/// worker thread. <paramref name="processing"/>: serve's processing flags; null lets each SAE's cfg decide.
/// </summary>
public sealed class ModelSession(string? modelDirectory, string device, TlProcessing? processing = null) : IDisposable
{
    private const int SaesKept = 4;
    private readonly LinkedList<(string Folder, SparseAutoencoder Sae)> _saes = new();
    private readonly Dictionary<TlProcessing, Gpt2> _models = [];
    private (string[] Folders, SparseAutoencoder[] Loaded)? _transcoders;

    /// <summary>The model folder served (null until the default is resolved).</summary>
    public string? ModelDirectory { get; private set; } = modelDirectory;

    /// <summary>The model (with serve's processing, else none), loaded on first use.</summary>
    public Gpt2 Model => ModelWith(processing ?? TlProcessing.None);

    /// <summary>
    /// The model an SAE reads: processed as its cfg.json's <c>model_from_pretrained_kwargs</c> says (SAELens's rule,
    /// <see cref="TlProcessing.FromKwargs"/>) unless serve was given processing flags; <see cref="Model"/> without an SAE.
    /// </summary>
    public Gpt2 ModelFor(string? saeFolder) =>
        saeFolder is null ? Model : ModelWith(processing ?? Sae(saeFolder).Config.ModelProcessing);

    private Gpt2 ModelWith(TlProcessing wanted)
    {
        if (_models.TryGetValue(wanted, out var loaded)) return loaded;
        ModelDirectory ??= ModelSource.DefaultModelDirectory;
        var model = Gpt2.Load(ModelDirectory, DeviceSelection.Resolve(device), wanted);
        model.eval();
        _models[wanted] = model;
        return model;
    }

    /// <summary>The model's tokenizer (an <see cref="InterpException"/> when the model folder has none).</summary>
    public Gpt2Tokenizer Tokenizer => Model.RequireTokenizer();

    /// <summary>The SAE in <paramref name="folder"/>, checked to fit the model.</summary>
    public SparseAutoencoder Sae(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        for (var node = _saes.First; node is not null; node = node.Next)
        {
            if (node.Value.Folder != full) continue;
            _saes.Remove(node);
            _saes.AddFirst(node);
            return node.Value.Sae;
        }
        var anyModel = _models.Values.FirstOrDefault() ?? Model;    // every copy has the same shape and device
        var sae = SparseAutoencoder.Load(full, anyModel.Device);
        try
        {
            SaeHooks.CheckFits(sae, anyModel);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
        _saes.AddFirst((full, sae));
        while (_saes.Count > SaesKept)
        {
            _saes.Last!.Value.Sae.Dispose();
            _saes.RemoveLast();
        }
        return sae;
    }

    /// <summary>
    /// The transcoders in <paramref name="folders"/>, in that order: one set is kept (an attribution graph needs every
    /// layer's at once, so they are not in the SAEs' least-recently-used list, which could drop one while in use).
    /// </summary>
    public IReadOnlyList<SparseAutoencoder> Transcoders(IReadOnlyList<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var full = folders.Select(Path.GetFullPath).ToArray();
        if (_transcoders is { } kept && kept.Folders.SequenceEqual(full)) return kept.Loaded;
        DisposeTranscoders();
        var device = (_models.Values.FirstOrDefault() ?? Model).Device;
        var loaded = new List<SparseAutoencoder>();
        try
        {
            foreach (var folder in full) loaded.Add(SparseAutoencoder.Load(folder, device));
        }
        catch
        {
            foreach (var t in loaded) t.Dispose();
            throw;
        }
        _transcoders = (full, loaded.ToArray());
        return _transcoders.Value.Loaded;
    }

    private void DisposeTranscoders()
    {
        foreach (var t in _transcoders?.Loaded ?? []) t.Dispose();
        _transcoders = null;
    }

    /// <summary>Disposes the model, SAEs and transcoders.</summary>
    public void Dispose()
    {
        DisposeTranscoders();
        foreach (var (_, sae) in _saes) sae.Dispose();
        _saes.Clear();
        foreach (var model in _models.Values) model.Dispose();
        _models.Clear();
    }
}
