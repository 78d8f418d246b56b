using Interp.Core.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model;

/// <summary>
/// LayerNorm with TransformerLens's two hooks: <c>hook_scale</c> (the divisor √(var + ε), shape (B, T, 1)) and
/// <c>hook_normalized</c> (the output, after weight and bias). Its parameters keep nn.LayerNorm's state-dict keys
/// (<c>weight</c>, <c>bias</c>). Once <c>fold_ln</c> has moved them into the next layer they are 1 and 0, and the module
/// is TransformerLens's LNPre (centre and normalise only).
/// </summary>
internal sealed class HookedLayerNorm : nn.Module<Tensor, Tensor>
{
    // Field names are state-dict keys: do not rename.
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] _shape;
    private readonly double _eps;

    public HookedLayerNorm(int width, double eps, HookName scale, HookName normalized) : base("LayerNorm")
    {
        weight = nn.Parameter(ones(width));
        bias = nn.Parameter(zeros(width));
        (_shape, _eps) = ([width], eps);
        RegisterComponents();
        (Scale, Normalized) = (new HookPoint(scale), new HookPoint(normalized));
    }

    public HookPoint Scale { get; }

    public HookPoint Normalized { get; }

    public override Tensor forward(Tensor x)
    {
        // The fused kernel unless someone watches or patches the scale.
        if (!Scale.HasHooks) return Normalized.Apply(F.layer_norm(x, _shape, weight, bias, _eps));
        var centred = x - x.mean([-1], keepdim: true);                                       // (B, T, d)
        var scale = Scale.Apply((centred.pow(2).mean([-1], keepdim: true) + _eps).sqrt());   // (B, T, 1)
        return Normalized.Apply(centred / scale * weight + bias);                            // (B, T, d)
    }
}
