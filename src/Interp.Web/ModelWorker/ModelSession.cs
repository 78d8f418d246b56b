using Interp.Core;
using Interp.Core.Tokenization;
using Interp.Model;
using Interp.Sae;

namespace Interp.Web.ModelWorker;

/// <summary>
/// What the model worker owns: the model (loaded on first use, on the worker thread) and the SAEs asked for so far (a
/// few, least recently used dropped). Only ever touched from the worker thread.
/// </summary>
public sealed class ModelSession(string? modelDirectory, string device) : IDisposable
{
    private const int SaesKept = 4;
    private readonly LinkedList<(string Folder, SparseAutoencoder Sae)> _saes = new();
    private Gpt2? _model;

    /// <summary>The model folder served (null until the default is resolved).</summary>
    public string? ModelDirectory { get; private set; } = modelDirectory;

    /// <summary>The model, loaded on first use.</summary>
    public Gpt2 Model
    {
        get
        {
            if (_model is not null) return _model;
            ModelDirectory ??= ModelSource.DefaultModelDirectory;
            _model = Gpt2.Load(ModelDirectory, DeviceSelection.Resolve(device));
            _model.eval();
            return _model;
        }
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
        var sae = SparseAutoencoder.Load(full, Model.Device);
        try
        {
            SaeHooks.CheckFits(sae, Model);
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

    /// <summary>Disposes the model and SAEs.</summary>
    public void Dispose()
    {
        foreach (var (_, sae) in _saes) sae.Dispose();
        _saes.Clear();
        _model?.Dispose();
        _model = null;
    }
}
