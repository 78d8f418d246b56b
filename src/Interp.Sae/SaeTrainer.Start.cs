using System.Runtime.InteropServices;
using Interp.Sae.Architectures;
using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae;

public sealed partial class SaeTrainer
{
    /// <summary>
    /// A fresh run: scale factor and b_dec from the first rows, a new SAE, a new optimizer, an empty log. A transcoder
    /// trains in the model's units (an input scale would not carry over to its output) and starts b_dec at its targets'
    /// centre and W_skip at zero (SAELens's SkipTranscoder).
    /// </summary>
    private SaeRunState Start(Device device)
    {
        var d = _source.D;
        var sample = new List<float>();
        foreach (var batch in _source.Batches(_options.BatchSize, _options.Seed))
        {
            sample.AddRange(batch);
            if (sample.Count >= (long)_options.InitSamples * d) break;
        }
        var rows = Math.Min(sample.Count / d, _options.InitSamples);
        if (rows == 0) throw new InterpException("SAE training: the activation source gave no rows");
        var data = CollectionsMarshal.AsSpan(sample)[..(rows * d)];
        foreach (var v in data)
            if (!float.IsFinite(v))
                throw new InterpException($"SAE training: the first {rows} activation rows contain a non-finite value ({v}); the scale and b_dec cannot be estimated");

        double? scale = null;
        if (_options.NormalizeActivations && !_options.IsTranscoder)
        {
            var s = SaeInit.ScalingFactor(data, d);
            if (!double.IsFinite(s)) throw new InterpException($"SAE training: the first {rows} activation rows are all zero; cannot normalise them");
            scale = s;
        }
        var config = new SaeConfig
        {
            Architecture = _options.Architecture,
            DIn = DIn,
            DSae = DSae,
            K = _options.Architecture.Definition().UsesK ? _options.K : 0,
            HookName = _options.HookName,
            HookLayer = SaeConfig.LayerOf(_options.HookName),
            ModelName = _options.ModelName,
            ModelWeightsSha256 = _options.ModelWeightsSha256,
            ModelProcessing = _options.ModelProcessing,
            PrependBos = _options.PrependBos,
            ContextSize = _options.ContextSize,
            DatasetPath = _options.DatasetPath,
            Device = device.type == DeviceType.CUDA ? "cuda" : "cpu",
            NormalizeActivations = scale is null ? SaeConfig.NormalizeNone : SaeConfig.NormalizeExpectedAverage,
            ScalingFactor = scale,
            DeadFeatureWindow = _options.DeadWindow,
            AuxKCoefficient = _options.Architecture.Definition().UsesAuxK ? _options.AuxKCoefficient : null,
            AuxKLoss = _options.Architecture.Definition().UsesAuxK ? SaeConfig.AuxKLossNormalized : null,
        };
        if (_options.IsTranscoder)
            config = config with { IsTranscoder = true, HasSkip = _options.Skip, DOut = _options.OutputWidth, OutputHookName = _options.OutputHookName!, ApplyBDecToInput = false };
        config.Validate("SAE training");

        var sae = SparseAutoencoder.Create(config, device, _options.Seed, _options.JumpReluInitialThreshold);
        try
        {
            if (_options.DecoderBiasInit != DecoderBiasInit.Zeros)
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var points = tensor(data.ToArray(), [rows, d]) * (float)(scale ?? 1.0);
                if (_options.IsTranscoder) points = points.narrow(1, DIn, _options.OutputWidth).contiguous();      // b_dec lives where the targets do
                var origin = _options.DecoderBiasInit == DecoderBiasInit.GeometricMedian
                    ? SaeInit.GeometricMedian(points, _options.GeometricMedianIterations)
                    : points.mean([0]);
                sae.DecoderBias.copy_(origin);
            }
            var optimizer = CreateOptimizer(sae);
            _log.Delete();
            return new SaeRunState(sae, optimizer, zeros(DSae, dtype: ScalarType.Int64, device: device), 0, 0);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

}
