using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Circuits.Attribution;

/// <summary>
/// An attribution graph's nodes, in adjacency order — embeddings, then per block its features, errors and biases, then
/// the final bias and the logits — with what each source writes into the residual stream. Every source vector sits in
/// its position's slot of a <c>[T·d]</c> row, so that one matrix product with a gradient over the whole residual
/// stream <c>[B, T·d]</c> gives the edges into B targets. Tensors live on the caller's dispose scope.
/// </summary>
internal sealed class GraphNodes
{
    private readonly List<GraphNode> _nodes = [];
    private readonly Device _device;
    private readonly TranscoderParts[] _transcoders;

    public GraphNodes(Gpt2 model, TranscoderParts[] transcoders, ReplacementModel system, FrozenForward forward,
        IReadOnlyList<int> ids, AttributionOptions options)
    {
        var (layers, time) = (model.Config.NLayer, ids.Count);
        _transcoders = transcoders;
        string Token(int id) => model.Tokenizer is { } t && id < t.VocabSize ? t.TokenString(id) : id.ToString();
        var tokens = ids.Select(Token).ToArray();
        _device = forward.Embeddings.device;
        var positions = arange(time, dtype: ScalarType.Int64, device: _device);

        Embeddings = Add(Enumerable.Range(0, time).Select(t => Node($"embedding:{t}", GraphNodeKind.Embedding, -1, t, tokens[t], forward.Embeddings[t])));
        EmbeddingSources = Slots(forward.Embeddings, positions, time);

        (Features, Latents, FeaturePositions, PostColumns, PostSources, MidColumns, MidSources) =
            (new Tensor[layers], new Tensor[layers], new Tensor[layers], new Tensor[layers], new Tensor[layers], new Tensor[layers], new Tensor[layers]);
        (BiasColumns, FeatureBiasInput) = (new Tensor[layers], new Tensor[layers]);
        for (var l = 0; l < layers; l++)
        {
            var transcoder = transcoders[l];
            var sae = transcoder.Sae;
            var input = forward.MlpInputs[l];                                                     // [T, d]
            var latents = sae.Encode(input);                                                      // [T, d_sae]
            var active = latents.nonzero();                                                       // [n, 2] (position, latent), row-major
            var (at, latent) = (active[.., 0], active[.., 1]);
            var activation = latents.view(-1).index_select(0, at * sae.DSae + latent);             // [n]
            var scale = sae.Config.InputScale;
            var written = sae.DecoderWeight.index_select(0, latent) * activation.unsqueeze(1) / scale;      // [n, d]
            var error = forward.MlpOutputs[l] - transcoder.Output(input, latents);               // [T, d]
            var postBias = sae.DecoderBias / scale;                                               // [d]
            if (transcoder.SkipWeight is { } skip) postBias = postBias + system.Ln2Bias[l].matmul(skip.t());
            var midBias = system.AttentionConstant[l];

            var (positionsOf, latentsOf, values) = (at.cpu().data<long>().ToArray(), latent.cpu().data<long>().ToArray(), activation.cpu().data<float>().ToArray());
            Features[l] = Add(positionsOf.Select((t, k) => new GraphNode($"feature:{l}:{t}:{latentsOf[k]}", GraphNodeKind.Feature, l, (int)t,
                (int)latentsOf[k], values[k], tokens[t], values[k])));
            (Latents[l], FeaturePositions[l]) = (latent, at);
            var errors = Add(Enumerable.Range(0, time).Select(t => Node($"error:{l}:{t}", GraphNodeKind.Error, l, t, tokens[t], error[t])));
            var biasValue = (midBias + postBias).norm().item<float>();
            BiasColumns[l] = Add(Enumerable.Range(0, time).Select(t => new GraphNode($"bias:{l}:{t}", GraphNodeKind.Bias, l, t, null, null, tokens[t], biasValue)));

            PostColumns[l] = cat([Features[l], errors, BiasColumns[l]]);
            PostSources[l] = cat([Slots(written, at, time), Slots(error, positions, time), Slots(postBias.expand(time, -1), positions, time)]);
            (MidColumns[l], MidSources[l]) = (BiasColumns[l], Slots(midBias.expand(time, -1), positions, time));
            // The constant part of each latent's input: ln2's β scaled as the input is, less b_dec when it is subtracted.
            var constantInput = system.Ln2Bias[l] * scale;
            if (sae.Config.ApplyBDecToInput) constantInput = constantInput - sae.DecoderBias;
            FeatureBiasInput[l] = constantInput.matmul(sae.EncoderWeight);                        // [d_sae]
        }

        FinalBias = Add([new GraphNode($"bias:{layers}:{time - 1}", GraphNodeKind.Bias, layers, time - 1, null, null, tokens[^1],
            system.FinalBias.norm().item<float>())]);
        (LogitIds, LogitProbabilities) = LogitSelection.Choose(forward.LastLogits, options);
        var centred = forward.LastLogits - forward.LastLogits.mean();
        Logits = Add(LogitIds.Select((v, k) => new GraphNode($"logit:{time - 1}:{v}", GraphNodeKind.Logit, layers, time - 1, v, null,
            Token(v), centred[v].item<float>(), LogitProbabilities[k])));
    }

    /// <summary>Every node, in adjacency order.</summary>
    public IReadOnlyList<GraphNode> Nodes => _nodes;

    /// <summary>The embedding nodes' indices <c>[T]</c> and what they write (token + position embedding) <c>[T, T·d]</c>.</summary>
    public Tensor Embeddings { get; }

    public Tensor EmbeddingSources { get; }

    /// <summary>Per block: its feature nodes' indices <c>[n]</c>, their latents and positions <c>[n]</c>.</summary>
    public Tensor[] Features { get; }

    public Tensor[] Latents { get; }

    public Tensor[] FeaturePositions { get; }

    /// <summary>Per block: the nodes that write into the residual stream after its MLP (features, errors, biases) and what they write.</summary>
    public Tensor[] PostColumns { get; }

    public Tensor[] PostSources { get; }

    /// <summary>Per block: the nodes that write into the residual stream after its attention (its biases) and what they write.</summary>
    public Tensor[] MidColumns { get; }

    public Tensor[] MidSources { get; }

    /// <summary>Per block: its bias nodes' indices <c>[T]</c>, one per position.</summary>
    public Tensor[] BiasColumns { get; }

    /// <summary>Per block: each latent's input from constants alone, <c>(s·β₂ − b_dec)·W_enc</c> <c>[d_sae]</c> (bias edges).</summary>
    public Tensor[] FeatureBiasInput { get; }

    /// <summary>The index <c>[1]</c> of the bias node feeding the logits (ln_final's β, b_U).</summary>
    public Tensor FinalBias { get; }

    /// <summary>The logit nodes' indices <c>[k]</c>, their vocabulary ids and probabilities.</summary>
    public Tensor Logits { get; }

    public int[] LogitIds { get; }

    public double[] LogitProbabilities { get; }

    /// <summary>What feature targets of block <paramref name="layer"/> read from its MLP input: s·W_enc[:, j] <c>[B, d]</c>.</summary>
    public Tensor EncoderColumns(int layer, Tensor latents)
    {
        var sae = _transcoders[layer].Sae;
        return sae.EncoderWeight.index_select(1, latents).t() * sae.Config.InputScale;
    }

    /// <summary>
    /// The logits' unembedding rows and biases, less their means over the vocabulary: a logit minus the mean logit is
    /// ln_final's output · (W_U[v] − mean W_U) + (b_U[v] − mean b_U). Shapes <c>[k, d]</c>, <c>[k]</c>.
    /// </summary>
    public (Tensor Weight, Tensor Bias) CentredUnembedding(Gpt2 model)
    {
        var weight = model.UnembeddingWeight;                                                     // [V, d]
        var bias = model.Unembed(zeros(1, weight.shape[1], device: weight.device))[0];            // [V]: b_U, or zeros while tied
        var ids = tensor(LogitIds.Select(v => (long)v).ToArray(), device: weight.device);
        return (weight.index_select(0, ids) - weight.mean([0]), bias.index_select(0, ids) - bias.mean());
    }

    private static GraphNode Node(string id, GraphNodeKind kind, int layer, int position, string token, Tensor vector) =>
        new(id, kind, layer, position, null, null, token, vector.norm().item<float>());

    private Tensor Add(IEnumerable<GraphNode> nodes)
    {
        var first = _nodes.Count;
        _nodes.AddRange(nodes);
        return arange(first, _nodes.Count, dtype: ScalarType.Int64, device: _device);
    }

    /// <summary>Rows <c>[n, T·d]</c>: vector k in position <paramref name="at"/>[k]'s slot, zeros elsewhere.</summary>
    private static Tensor Slots(Tensor vectors, Tensor at, int time) =>
        (nn.functional.one_hot(at, time).to_type(vectors.dtype).unsqueeze(-1) * vectors.unsqueeze(1)).reshape(vectors.shape[0], -1);
}
