using static TorchSharp.torch;

namespace Interp.Model;

/// <summary>
/// Keys and values of the positions already run, per layer, so generation computes one new position per step.
/// Owns its tensors: dispose it when the sequence is done.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerCache[] _layers;

    public KvCache(int nLayers) => _layers = Enumerable.Range(0, nLayers).Select(_ => new LayerCache()).ToArray();

    /// <summary>Number of positions cached.</summary>
    public long Length { get; private set; }

    internal LayerCache Layer(int layer) => _layers[layer];

    internal void Advance(long positions) => Length += positions;

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
    }

    /// <summary>One layer's keys and values, each <c>(B, nh, past, hs)</c>.</summary>
    public sealed class LayerCache : IDisposable
    {
        private Tensor? _keys, _values;

        /// <summary>Appends the new positions and returns all keys and values <c>(B, nh, past+T, hs)</c>.</summary>
        internal (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
        {
            var allKeys = _keys is null ? keys.detach().clone() : cat([_keys, keys.detach()], 2);
            var allValues = _values is null ? values.detach().clone() : cat([_values, values.detach()], 2);
            _keys?.Dispose();
            _values?.Dispose();
            // The cache outlives the caller's per-step dispose scope.
            (_keys, _values) = (allKeys.DetachFromDisposeScope(), allValues.DetachFromDisposeScope());
            return (_keys, _values);
        }

        public void Dispose()
        {
            _keys?.Dispose();
            _values?.Dispose();
        }
    }
}
