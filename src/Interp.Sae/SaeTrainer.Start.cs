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
    /// mean, its encoder at the scale of its targets (<see cref="MatchOutputScale"/>) and W_skip at zero (SAELens's SkipTranscoder).
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
                // A transcoder's b_dec is its output's constant term, whose best value under the squared error is the mean.
                var origin = _options.DecoderBiasInit == DecoderBiasInit.GeometricMedian && !_options.IsTranscoder
                    ? SaeInit.GeometricMedian(points, _options.GeometricMedianIterations)
                    : points.mean([0]);
                sae.DecoderBias.copy_(origin);
            }
            if (_options.IsTranscoder)
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var pairs = tensor(data.ToArray(), [rows, d], device: device);
                MatchOutputScale(sae, pairs.narrow(1, 0, DIn).contiguous(), pairs.narrow(1, DIn, _options.OutputWidth).contiguous());
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

    /// <summary>
    /// Scales a new transcoder's encoder (W_enc, b_enc) so that its first outputs are as large as its targets' spread around
    /// b_dec. With unit decoder rows and unit encoder columns they would start as large as the input (‖x‖ ≈ √d_in after
    /// LayerNorm) whatever the MLP's output scale, and a block whose MLP writes little (the embedded model's last) then
    /// never recovers in a short run. Scaling the pre-activations scales ReLU and TopK latents exactly.
    /// </summary>
    private static void MatchOutputScale(SparseAutoencoder sae, Tensor x, Tensor y)
    {
        var output = sae.Decode(sae.Encode(x)) - sae.DecoderBias;                               // the latents' part [N, d_out]
        var have = output.pow(2).sum(-1).mean().sqrt().item<float>();
        var wanted = (y - sae.DecoderBias).pow(2).sum(-1).mean().sqrt().item<float>();
        if (!(have > 0 && wanted > 0 && float.IsFinite(have) && float.IsFinite(wanted))) return;
        sae.EncoderWeight.mul_(wanted / have);
        sae.EncoderBias.mul_(wanted / have);
    }
}
