using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits;

/// <summary>Which activation <see cref="ActivationPatching"/> patches (TransformerLens's <c>get_act_name</c> short names).</summary>
public enum PatchTarget
{
    /// <summary><c>blocks.L.hook_resid_pre</c>.</summary>
    ResidPre,
    /// <summary><c>blocks.L.hook_attn_out</c>.</summary>
    AttnOut,
    /// <summary><c>blocks.L.hook_mlp_out</c>.</summary>
    MlpOut,
    /// <summary><c>blocks.L.attn.hook_z</c>: all heads at once, and each head alone.</summary>
    Z,
}

/// <summary>
/// Activation patching's result: each value is the normalised logit difference (patched − corrupt) / (clean − corrupt)
/// at the last position, with the clean activation patched into the corrupt run at one cell. <see cref="Values"/> is
/// <c>[layer][position]</c> (for <see cref="PatchTarget.Z"/>: every head of the layer at that position at once);
/// <see cref="HeadValues"/>, for Z only, is <c>[layer][position][head]</c>. <see cref="CleanDiff"/> and
/// <see cref="CorruptDiff"/> are the unpatched logit differences (answer − wrong).
/// </summary>
public sealed record PatchingResult(string Hook, double CleanDiff, double CorruptDiff, double[][] Values, double[][][]? HeadValues)
{
    /// <summary>
    /// For <see cref="PatchTarget.ResidPre"/>: the final residual stream (<c>blocks.{n-1}.hook_resid_post</c>, the input of
    /// a virtual layer n) patched at each position; null for the other targets. At the last position it is 1.
    /// </summary>
    public double[]? FinalResidual { get; init; }
}

/// <summary>
/// Activation patching over layers × positions (TransformerLens's <c>patching.get_act_patch_resid_pre</c>,
/// <c>…_attn_out</c>, <c>…_mlp_out</c>, <c>…_attn_head_out_by_pos</c>). The patched runs are batched: each pass starts at
/// the block of its cells (nothing before a patch changes) and holds the clean prompt (row 0), the corrupt prompt (row 1)
/// and many patched copies of the corrupt prompt; each patch copies row 0's activation as it passes the hook, so that
/// clean, corrupt and patched numbers come from one computation (patching where the two runs agree gives exactly 0, and
/// patching the final residual stream at the last position exactly 1).
/// </summary>
public static class ActivationPatching
{
    // Rows per forward pass: about 64 MB per (rows, T, d_mlp) float tensor.
    private const long ElementsPerPass = 1L << 24;

    /// <summary>The target's TransformerLens short name (<c>resid_pre</c>, <c>attn_out</c>, <c>mlp_out</c>, <c>z</c>).</summary>
    public static string Name(PatchTarget target) => target switch
    {
        PatchTarget.ResidPre => "resid_pre",
        PatchTarget.AttnOut => "attn_out",
        PatchTarget.MlpOut => "mlp_out",
        PatchTarget.Z => "z",
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>The hook the target names in <paramref name="layer"/>.</summary>
    public static HookName Hook(PatchTarget target, int layer) => target switch
    {
        PatchTarget.ResidPre => HookName.ResidPre(layer),
        PatchTarget.AttnOut => HookName.AttnOut(layer),
        PatchTarget.MlpOut => HookName.MlpOut(layer),
        PatchTarget.Z => HookName.Z(layer),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    /// <summary>Patches <paramref name="hook"/> at every (layer, position) (and head, for Z) of the corrupt run.</summary>
    public static PatchingResult Run(Gpt2 model, IReadOnlyList<int> clean, IReadOnlyList<int> corrupt, int answer, int wrong, PatchTarget hook)
    {
        var cleanIds = CircuitInput.Tokens(model, clean, "Clean");
        var corruptIds = CircuitInput.Tokens(model, corrupt, "Corrupt");
        if (cleanIds.Length != corruptIds.Length)
            throw CircuitInput.Refuse(n => $"{n("Clean")} ({cleanIds.Length} tokens) and {n("Corrupt")} ({corruptIds.Length} tokens) must have the same length");
        CircuitInput.Token(model, answer, "Answer");
        CircuitInput.Token(model, wrong, "Wrong");
        if (answer == wrong)
            throw CircuitInput.Refuse(n => $"{n("Answer")} and {n("Wrong")} are both {answer}: the logit difference needs two different tokens");

        var (layers, length, heads) = (model.Config.NLayer, cleanIds.Length, model.Config.NHead);
        var cells = new List<PatchCell>();
        for (var l = 0; l < layers; l++)
            for (var p = 0; p < length; p++) cells.Add(new PatchCell(Hook(hook, l), p, PatchCell.AllHeads));
        if (hook == PatchTarget.Z)
            for (var l = 0; l < layers; l++)
                for (var p = 0; p < length; p++)
                    for (var h = 0; h < heads; h++) cells.Add(new PatchCell(HookName.Z(l), p, h));
        if (hook == PatchTarget.ResidPre)
            for (var p = 0; p < length; p++) cells.Add(new PatchCell(HookName.ResidPost(layers - 1), p, PatchCell.AllHeads));

        var values = new double[cells.Count];
        var (cleanDiff, corruptDiff) = (double.NaN, double.NaN);
        var perPass = (int)Math.Max(1, ElementsPerPass / ((long)length * Math.Max(model.Config.DMlp, model.Config.NEmbd)) - 2);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var starts = BlockInputs(model, cleanIds, corruptIds);                                  // per layer: (2, T, d), clean then corrupt
        // A patch in block L changes nothing before it: each pass starts at its cells' block, from the unpatched inputs.
        var byLayer = cells.Select((cell, index) => (cell, index)).GroupBy(c => c.cell.Hook.Layer(layers));
        var first = true;
        foreach (var group in byLayer)
            foreach (var chunk in group.Chunk(perPass))
            {
                using var pass = NewDisposeScope();
                var diffs = PatchedDiffs(model, starts[group.Key], group.Key, answer, wrong, chunk.Select(c => c.cell).ToList());
                var denominator = diffs[0] - diffs[1];
                if (denominator == 0)
                    throw CircuitInput.Refuse(n => $"{n("Clean")} and {n("Corrupt")} give the same logit difference ({diffs[0]:G6}) between the {n("Answer")} and the {n("Wrong")}: there is nothing to normalise by");
                for (var i = 0; i < chunk.Length; i++)
                {
                    var value = (diffs[i + 2] - diffs[1]) / denominator;
                    values[chunk[i].index] = value == 0 ? 0 : value;                               // no -0
                }
                if (first) (cleanDiff, corruptDiff, first) = (diffs[0], diffs[1], false);
            }

        var layerCells = layers * length;
        double[][] Grid(int offset) => Enumerable.Range(0, layers).Select(l => values.AsSpan(offset + l * length, length).ToArray()).ToArray();
        var headValues = hook != PatchTarget.Z ? null : Enumerable.Range(0, layers).Select(l => Enumerable.Range(0, length)
            .Select(p => values.AsSpan(layerCells + (l * length + p) * heads, heads).ToArray()).ToArray()).ToArray();
        return new PatchingResult(Name(hook), cleanDiff, corruptDiff, Grid(0), headValues)
        {
            FinalResidual = hook == PatchTarget.ResidPre ? values.AsSpan(layerCells, length).ToArray() : null,
        };
    }

    /// <summary>Each block's input (<c>hook_resid_pre</c>) in the clean and the corrupt run, <c>(2, T, d)</c> on the model's device.</summary>
    private static Tensor[] BlockInputs(Gpt2 model, int[] clean, int[] corrupt)
    {
        var hooks = Enumerable.Range(0, model.Config.NLayer).Select(HookName.ResidPre).ToArray();
        var ids = tensor(clean.Concat(corrupt).Select(i => (long)i).ToArray(), [2, clean.Length], device: model.Device);
        var (_, cache) = model.RunWithCache(ids, hooks, stopAtLastHook: true);
        using (cache) return hooks.Select(h => cache[h].to(model.Device).clone()).ToArray();
    }

    /// <summary>
    /// One pass from block <paramref name="layer"/> over [clean, corrupt, corrupt patched at each cell] (<paramref name="start"/>
    /// holds the first two rows' inputs to that block): the logit difference (answer − wrong) at the last position of every row.
    /// </summary>
    private static double[] PatchedDiffs(Gpt2 model, Tensor start, int layer, int answer, int wrong, IReadOnlyList<PatchCell> cells)
    {
        var input = cat([start, start[1..2].expand(cells.Count, -1, -1)], 0);                     // (2 + cells, T, d)
        var patches = cells.Select((cell, i) => (cell, Row: i + 2)).GroupBy(c => c.cell.Hook)
            .Select(group => (group.Key, (HookFunction)((activation, _) => PatchFromCleanRow(activation, group.ToList()))))
            .ToArray();
        Tensor residual;                                                                          // (B, T, d), after the last block
        using (model.Hooks(patches)) residual = model.RunFromLayer(input, layer);
        var normalized = ModelParts.LnFinal(model, residual[.., -1]);                             // (B, d)
        using var unembedding = model.UnembeddingWeight;
        var bias = ModelParts.UnembedBias(model);
        // Element-wise product and sum, not a matmul, so each row's number depends on that row alone.
        var diffs = (normalized * (unembedding[answer] - unembedding[wrong])).sum(-1) + (bias[answer] - bias[wrong]);
        return diffs.to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>Copies row 0's (the clean run's) activation into each cell's row at its position (and head).</summary>
    private static Tensor PatchFromCleanRow(Tensor activation, IReadOnlyList<(PatchCell Cell, int Row)> cells)
    {
        var patched = activation.clone();
        foreach (var group in cells.GroupBy(c => c.Cell.Head == PatchCell.AllHeads))
        {
            var list = group.ToList();
            var rowIndex = tensor(list.Select(c => (long)c.Row).ToArray(), device: activation.device);
            var cleanRow = zeros_like(rowIndex);
            var position = tensor(list.Select(c => (long)c.Cell.Position).ToArray(), device: activation.device);
            if (group.Key)
                patched.index_put_(activation.index(cleanRow, position), rowIndex, position);
            else
            {
                var head = tensor(list.Select(c => (long)c.Cell.Head).ToArray(), device: activation.device);
                patched.index_put_(activation.index(cleanRow, position, head), rowIndex, position, head);
            }
        }
        return patched;
    }

    /// <summary>One patched run: the hook, the position, and the head (for z; <see cref="AllHeads"/> otherwise).</summary>
    private readonly record struct PatchCell(HookName Hook, int Position, int Head)
    {
        public const int AllHeads = -1;
    }
}
