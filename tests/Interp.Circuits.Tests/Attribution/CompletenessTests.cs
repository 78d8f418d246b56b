using Interp.Circuits.Attribution;
using Interp.Core;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests.Attribution;

/// <summary>
/// The graph is complete (issue 19): the incoming edges of every logit node sum to its logit minus the mean logit, and
/// those of every feature node to its pre-activation minus b_enc — within 1e-3, on the embedded model, with and without
/// skip transcoders, with the values computed independently of the builder (the model's own logits, the transcoder's
/// own encoder on the model's own ln2 output).
/// </summary>
public sealed class CompletenessTests
{
    private static readonly AttributionOptions Complete = new(Prune: false);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Incoming_edges_of_every_logit_node_sum_to_the_models_own_logit_minus_the_mean_logit(bool skip)
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var graph = AttributionGraphBuilder.Build(model, AttributionFixture.Transcoders(model, skip), ids, Complete);

        using var tokens = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        using var logits = model.call(tokens);
        using var last = logits[0, -1];
        using var mean = last.mean();
        var sums = AttributionFixture.IncomingSums(graph);
        var logitNodes = graph.Nodes.Where(n => n.Kind == GraphNodeKind.Logit).ToArray();
        Assert.NotEmpty(logitNodes);
        foreach (var node in logitNodes)
        {
            using var own = last[node.Feature!.Value] - mean;
            Assert.Equal(own.item<float>(), node.Value, 1e-3);
            Assert.True(Math.Abs(sums[node.Id] - node.Value) < 1e-3, $"{node.Id}: incoming edges sum to {sums[node.Id]}, value {node.Value}");
            Assert.Equal(ids.Length - 1, node.Position);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Incoming_edges_of_every_feature_node_sum_to_its_pre_activation_minus_the_encoder_bias(bool skip)
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip);
        var graph = AttributionGraphBuilder.Build(model, transcoders, ids, Complete);

        var inputs = AttributionFixture.MlpInputs(model, ids);
        var sums = AttributionFixture.IncomingSums(graph);
        var features = graph.Nodes.Where(n => n.Kind == GraphNodeKind.Feature).ToArray();
        Assert.Equal(model.Config.NLayer, features.Select(n => n.Layer).Distinct().Count());
        var worst = 0.0;
        foreach (var node in features)
        {
            var sae = transcoders[node.Layer];
            using var pre = sae.PreActivations(inputs[node.Layer][node.Position]);
            var expected = pre[node.Feature!.Value].item<float>() - sae.EncoderBias[node.Feature!.Value].item<float>();
            worst = Math.Max(worst, Math.Abs(sums[node.Id] - expected));
        }
        Assert.True(worst < 1e-3, $"the worst feature node's incoming edges miss its pre-activation − b_enc by {worst}");
    }

    [Fact]
    public void Feature_activations_are_the_transcoders_encoding_of_the_models_ln2_output()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip: false);
        var graph = AttributionGraphBuilder.Build(model, transcoders, ids, Complete);

        var inputs = AttributionFixture.MlpInputs(model, ids);
        for (var l = 0; l < model.Config.NLayer; l++)
        {
            using var latents = transcoders[l].Encode(inputs[l]);                             // [T, d_sae]
            using var active = latents.ne(0);
            using var count = active.sum();
            var nodes = graph.Nodes.Where(n => n.Kind == GraphNodeKind.Feature && n.Layer == l).ToArray();
            Assert.Equal(count.item<long>(), nodes.Length);
            foreach (var node in nodes)
            {
                Assert.Equal(latents[node.Position, node.Feature!.Value].item<float>(), node.Activation!.Value, 1e-5);
                Assert.Equal(node.Activation, node.Value);
            }
        }
    }

    [Fact]
    public void Completeness_also_holds_on_a_model_with_transformer_lens_weight_processing()
    {
        // fold_ln, centred weights and unembedding, folded value biases: an untied W_U with its own b_U.
        using var model = AttributionFixture.Model(TlProcessing.TransformerLensDefaults);
        var ids = AttributionFixture.Prompt(model);
        var graph = AttributionGraphBuilder.Build(model, AttributionFixture.Transcoders(model, skip: true), ids, Complete);
        var sums = AttributionFixture.IncomingSums(graph);
        foreach (var node in graph.Nodes.Where(n => n.Kind == GraphNodeKind.Logit))
            Assert.True(Math.Abs(sums[node.Id] - node.Value) < 1e-3, $"{node.Id}: incoming edges sum to {sums[node.Id]}, value {node.Value}");
    }

    [Fact]
    public void Completeness_holds_for_skip_transcoders_saved_in_saelens_layout_and_loaded_from_a_runs_folder()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        using var dir = new TempDir();
        foreach (var t in AttributionFixture.Transcoders(model, skip: true)) t.Save(dir[$"transcoders/layer-{TranscoderParts.LayerOf(t)}"]);
        var loaded = TranscoderFolders.Load([dir["transcoders"]]);
        Assert.All(loaded, t => Assert.NotNull(t.SkipWeight));
        var graph = AttributionGraphBuilder.Build(model, loaded, ids, Complete);

        var inputs = AttributionFixture.MlpInputs(model, ids);
        var sums = AttributionFixture.IncomingSums(graph);
        foreach (var node in graph.Nodes.Where(n => n.Kind is GraphNodeKind.Logit or GraphNodeKind.Feature))
        {
            var expected = node.Value;
            if (node.Kind == GraphNodeKind.Feature)
            {
                using var pre = loaded[node.Layer].PreActivations(inputs[node.Layer][node.Position]);
                expected = pre[node.Feature!.Value].item<float>() - loaded[node.Layer].EncoderBias[node.Feature!.Value].item<float>();
            }
            Assert.True(Math.Abs(sums[node.Id] - expected) < 1e-3, $"{node.Id}: incoming edges sum to {sums[node.Id]}, expected {expected}");
        }
    }
}
