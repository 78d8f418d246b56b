using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// One forward pass of the model over a prompt, keeping what the replacement model freezes (LayerNorm scales, attention
/// patterns) and what the graph's nodes are made of (embeddings, MLP inputs and outputs, logits). Batch of one;
/// shapes drop it: T positions, d d_model, nh heads. The tensors live outside any dispose scope until <see cref="Dispose"/>.
/// </summary>
internal sealed class FrozenForward : IDisposable
{
    private readonly List<Tensor> _owned = [];

    public FrozenForward(Gpt2 model, Tensor tokens)
    {
        var layers = model.Config.NLayer;
        var names = new List<HookName> { HookName.Embed, HookName.PosEmbed, HookName.LnFinalScale };
        for (var l = 0; l < layers; l++)
            names.AddRange([HookName.Ln1Scale(l), HookName.Pattern(l), HookName.Ln2Scale(l), HookName.Ln2Normalized(l), HookName.MlpOut(l)]);
        var device = model.Device;
        var (logits, cache) = model.RunWithCache(tokens, names);
        using (cache)
        using (logits)
        {
            Tensor Keep(Tensor t) { var kept = t.to(device).DetachFromDisposeScope(); _owned.Add(kept); return kept; }
            using var scope = NewDisposeScope();
            Embeddings = Keep(cache[HookName.Embed][0] + cache[HookName.PosEmbed][0]);
            FinalScale = Keep(cache[HookName.LnFinalScale][0]);
            LastLogits = Keep(logits![0, -1]);
            Ln1Scale = [.. Enumerable.Range(0, layers).Select(l => Keep(cache[HookName.Ln1Scale(l)][0]))];
            Patterns = [.. Enumerable.Range(0, layers).Select(l => Keep(cache[HookName.Pattern(l)][0]))];
            Ln2Scale = [.. Enumerable.Range(0, layers).Select(l => Keep(cache[HookName.Ln2Scale(l)][0]))];
            MlpInputs = [.. Enumerable.Range(0, layers).Select(l => Keep(cache[HookName.Ln2Normalized(l)][0]))];
            MlpOutputs = [.. Enumerable.Range(0, layers).Select(l => Keep(cache[HookName.MlpOut(l)][0]))];
        }
    }

    /// <summary>Token plus position embedding <c>[T, d]</c>: the residual stream entering block 0.</summary>
    public Tensor Embeddings { get; }

    /// <summary>ln_final's scale √(var + ε) <c>[T, 1]</c>.</summary>
    public Tensor FinalScale { get; }

    /// <summary>The model's logits at the last position <c>[V]</c>.</summary>
    public Tensor LastLogits { get; }

    /// <summary>Per block: ln1's scale <c>[T, 1]</c>.</summary>
    public Tensor[] Ln1Scale { get; }

    /// <summary>Per block: the attention pattern <c>[nh, T, T]</c> (query, key).</summary>
    public Tensor[] Patterns { get; }

    /// <summary>Per block: ln2's scale <c>[T, 1]</c>.</summary>
    public Tensor[] Ln2Scale { get; }

    /// <summary>Per block: the MLP's input <c>blocks.L.ln2.hook_normalized</c> <c>[T, d]</c> (the transcoder's input).</summary>
    public Tensor[] MlpInputs { get; }

    /// <summary>Per block: the MLP's output <c>blocks.L.hook_mlp_out</c> <c>[T, d]</c> (the transcoder's target).</summary>
    public Tensor[] MlpOutputs { get; }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
