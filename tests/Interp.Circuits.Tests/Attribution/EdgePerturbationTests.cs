using Interp.Circuits.Attribution;
using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests.Attribution;

/// <summary>
/// An edge is a direct effect: run the model again with every LayerNorm scale and attention pattern frozen to the first
/// pass's, take one block-0 feature's contribution (activation × decoder row) out of block 0's MLP output, and the
/// input of a block-1 feature (s·ln2 output·W_enc) moves by minus the edge's weight.
/// </summary>
public sealed class EdgePerturbationTests
{
    [Fact]
    public void Removing_a_features_decoder_contribution_with_attention_and_layernorm_frozen_changes_its_targets_input_by_the_edge_weight()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip: true);
        var graph = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions(Prune: false));
        var nodes = graph.Nodes.ToDictionary(n => n.Id);
        var edge = graph.Edges
            .Where(e => nodes[e.Source] is { Kind: GraphNodeKind.Feature, Layer: 0 } && nodes[e.Target] is { Kind: GraphNodeKind.Feature, Layer: 1 })
            .MaxBy(e => Math.Abs(e.Weight))!;
        var (source, target) = (nodes[edge.Source], nodes[edge.Target]);
        Assert.True(Math.Abs(edge.Weight) > 0.01, $"the strongest block 0 → block 1 edge is only {edge.Weight}");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        var frozen = new List<HookName> { HookName.LnFinalScale };
        for (var l = 0; l < model.Config.NLayer; l++) frozen.AddRange([HookName.Ln1Scale(l), HookName.Ln2Scale(l), HookName.Pattern(l)]);
        var (logits, original) = model.RunWithCache(tokens, [.. frozen, HookName.MlpOut(0), HookName.Ln2Normalized(1)]);
        logits?.Dispose();
        using (original)
        {
            var sae = transcoders[0];
            var contribution = sae.DecoderWeight[source.Feature!.Value] * source.Activation!.Value / sae.Config.InputScale;   // [d]
            var mlpOut = original[HookName.MlpOut(0)].clone();
            mlpOut[0, source.Position] -= contribution;
            var hooks = frozen.Select(name => (name, (HookFunction)((_, _) => original[name].clone())))
                .Append((HookName.MlpOut(0), (_, _) => mlpOut.clone())).ToArray();
            ActivationCache perturbed;
            using (model.Hooks(hooks)) (logits, perturbed) = model.RunWithCache(tokens, [HookName.Ln2Normalized(1)], stopAtLastHook: true);
            using (perturbed)
            {
                var reader = transcoders[1];
                var column = reader.EncoderWeight[.., target.Feature!.Value] * reader.Config.InputScale;
                var before = original[HookName.Ln2Normalized(1)][0, target.Position].dot(column).item<float>();
                var after = perturbed[HookName.Ln2Normalized(1)][0, target.Position].dot(column).item<float>();
                Assert.Equal(-edge.Weight, after - before, 1e-3);
            }
        }
    }
}
