using Interp.Core;
using Interp.Model;
using Interp.Sae;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// Builds a prompt's attribution graph (Ameisen et al. 2025, "Circuit Tracing"; circuit-tracer's <c>attribute</c>):
/// every MLP replaced by its transcoder, attention patterns and LayerNorm scales frozen from one forward pass, so each
/// node's input is a sum of direct linear effects of the nodes before it. Edge source → target = what the source writes
/// (an active feature's activation × decoder row, an error vector, a token + position embedding, a bias) pushed through
/// the frozen linear system and read by the target (a feature's scaled encoder column, a logit's unembedding column
/// minus the mean column). The graph is complete: a logit node's incoming edges sum to its logit minus the mean logit,
/// a feature's to its pre-activation minus b_enc.
/// <para>The work is one backward pass of the frozen system per batch of targets (<see cref="ReplacementModel"/>), the
/// edges into all of them from each source group one matrix product; the adjacency is dense (<c>[nodes, nodes]</c>,
/// row = target, column = source), as circuit-tracer's.</para>
/// </summary>
public static class AttributionGraphBuilder
{
    private const int TargetsPerBatch = 256;

    // One alpha for every index_add_, alive for the process: TorchSharp frees a temporary Scalar in its finalizer,
    // possibly while libtorch still reads it (see Interp.Model's TorchSharpScalarRace).
    private static readonly Scalar One = 1;

    /// <summary>
    /// The graph of <paramref name="ids"/> (taken as given: positions count from the first id) through
    /// <paramref name="model"/> with one transcoder per block (<c>blocks.L.ln2.hook_normalized</c> →
    /// <c>blocks.L.hook_mlp_out</c>), pruned unless <see cref="AttributionOptions.Prune"/> is false.
    /// </summary>
    public static AttributionGraph Build(Gpt2 model, IReadOnlyList<SparseAutoencoder> transcoders, IReadOnlyList<int> ids, AttributionOptions options)
    {
        ArgumentNullException.ThrowIfNull(transcoders);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var byLayer = TranscoderParts.ByLayer(model, [.. transcoders.Select(TranscoderParts.From)]);
        CheckIds(model, ids);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count], device: model.Device);
        using var forward = new FrozenForward(model, tokens);
        var system = new ReplacementModel(model, byLayer, forward);
        var nodes = new GraphNodes(model, byLayer, system, forward, ids, options);
        if (nodes.Nodes.Count > AttributionOptions.MaxNodes)
            throw new InterpException($"the graph would have {nodes.Nodes.Count:N0} nodes ({nodes.Nodes.Count(n => n.Kind == GraphNodeKind.Feature):N0} active features), "
                + $"more than {AttributionOptions.MaxNodes:N0}: use a shorter prompt or sparser transcoders");
        var adjacency = Adjacency(model, system, nodes);
        // Pruning reads the adjacency itself: the complete graph's edge list is only made when it is the answer.
        return options.Prune
            ? GraphPruning.Prune(Graph(ids, nodes.Nodes, []), adjacency, options.NodeThreshold, options.EdgeThreshold)
            : Graph(ids, nodes.Nodes, Edges(nodes.Nodes, adjacency));
    }

    private static void CheckIds(Gpt2 model, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) throw new InterpException("no token ids to attribute");
        if (ids.Count > model.Config.NPositions)
            throw new InterpException($"{ids.Count} tokens is longer than this model's n_positions={model.Config.NPositions}");
        foreach (var id in ids)
            if (id < 0 || id >= model.Config.VocabSize) throw new InterpException($"token id {id} is out of range for vocab_size={model.Config.VocabSize}");
    }

    /// <summary>The dense adjacency <c>[N, N]</c> (row = target, column = source): every target's incoming edges.</summary>
    private static Tensor Adjacency(Gpt2 model, ReplacementModel system, GraphNodes nodes)
    {
        var (layers, time, width) = (model.Config.NLayer, nodes.EmbeddingSources.shape[0], model.Config.NEmbd);
        var count = nodes.Nodes.Count;
        var device = nodes.EmbeddingSources.device;
        var adjacency = zeros(count, count, device: device);

        // From a gradient on the residual stream after block `from` (or, with `midAt`, after block midAt's attention),
        // down to the embeddings, adding each source group's edges into `block` on the way.
        void Backward(Tensor gradient, Tensor block, int from, int? midAt)
        {
            for (var m = midAt ?? from; m >= 0; m--)
            {
                if (m != midAt)
                {
                    AddAt(block, 1, nodes.PostColumns[m], gradient.reshape(gradient.shape[0], -1).matmul(nodes.PostSources[m].t()));
                    gradient = system.MlpBackward(gradient, m);
                }
                AddAt(block, 1, nodes.MidColumns[m], gradient.reshape(gradient.shape[0], -1).matmul(nodes.MidSources[m].t()));
                gradient = system.AttentionBackward(gradient, m);
            }
            AddAt(block, 1, nodes.Embeddings, gradient.reshape(gradient.shape[0], -1).matmul(nodes.EmbeddingSources.t()));
        }

        for (var l = 0; l < layers; l++)
        {
            var encoder = nodes.FeatureBiasInput[l];
            for (long first = 0; first < nodes.Features[l].shape[0]; first += TargetsPerBatch)
            {
                using var batchScope = NewDisposeScope();
                var length = Math.Min(TargetsPerBatch, nodes.Features[l].shape[0] - first);
                var rows = nodes.Features[l].narrow(0, first, length);
                var (at, latent) = (nodes.FeaturePositions[l].narrow(0, first, length), nodes.Latents[l].narrow(0, first, length));
                var block = zeros(length, count, device: device);
                AddAt(block, 1, nodes.BiasColumns[l].index_select(0, at), diag(encoder.index_select(0, latent)));
                // The target's input is s·n·W_enc[:, j]: its gradient on ln2's output at its position.
                var reading = nodes.EncoderColumns(l, latent);                                    // [B, d]
                var onInput = nn.functional.one_hot(at, time).to_type(reading.dtype).unsqueeze(-1) * reading.unsqueeze(1);   // [B, T, d]
                Backward(system.MlpInputBackward(onInput, l), block, l, midAt: l);
                AddAt(adjacency, 0, rows, block);
            }
        }

        using (var logitScope = NewDisposeScope())
        {
            var (unembed, unembedBias) = nodes.CentredUnembedding(model);                         // [k, d], [k]
            var k = unembed.shape[0];
            var block = zeros(k, count, device: device);
            AddAt(block, 1, nodes.FinalBias, (unembed.matmul(system.FinalBias) + unembedBias).unsqueeze(1));
            var onOutput = zeros(k, time, width, device: device);
            onOutput[.., -1] = unembed;
            Backward(system.FinalNormBackward(onOutput), block, layers - 1, midAt: null);
            AddAt(adjacency, 0, nodes.Logits, block);
        }
        return adjacency;
    }

    private static void AddAt(Tensor target, long dimension, Tensor index, Tensor source) => target.index_add_(dimension, index, source, One);

    /// <summary>A graph of <paramref name="nodes"/> and <paramref name="edges"/>, its tokens read off the embedding nodes.</summary>
    internal static AttributionGraph Graph(IReadOnlyList<int> ids, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges) =>
        new([.. ids], [.. nodes.Where(n => n.Kind == GraphNodeKind.Embedding).OrderBy(n => n.Position).Select(n => n.Token)], nodes, edges);

    /// <summary>Every nonzero entry of <paramref name="adjacency"/> (where <paramref name="keep"/> is true, if given) as an edge.</summary>
    internal static GraphEdge[] Edges(IReadOnlyList<GraphNode> nodes, Tensor adjacency, Tensor? keep = null)
    {
        using var scope = NewDisposeScope();
        var kept = keep is null ? adjacency.ne(0) : adjacency.ne(0).logical_and(keep);
        var at = kept.nonzero().cpu();                                                            // [E, 2] (target, source)
        var weights = adjacency.cpu()[kept.cpu()].to_type(ScalarType.Float64).data<double>().ToArray();
        var pairs = at.data<long>().ToArray();
        var edges = new GraphEdge[weights.Length];
        for (var e = 0; e < edges.Length; e++) edges[e] = new GraphEdge(nodes[(int)pairs[2 * e + 1]].Id, nodes[(int)pairs[2 * e]].Id, weights[e]);
        return edges;
    }
}
