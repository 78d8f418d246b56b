using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model;

/// <summary>
/// GPT-2 (Radford et al. 2019) in the shape of Hugging Face's <c>GPT2LMHeadModel</c>: field names equal checkpoint keys
/// (<c>wte</c>, <c>wpe</c>, <c>h.{l}.attn.c_attn</c>, …, <c>ln_f</c>), Conv1D weights kept in their <c>[in, out]</c> layout, LM head
/// tied to <c>wte</c>. Every interesting activation passes a <see cref="HookPoint"/> with its TransformerLens name.
/// Shapes: B batch, T positions, d n_embd, nh heads, hs head size, m d_mlp, V vocab.
/// </summary>
public sealed partial class Gpt2 : nn.Module<Tensor, Tensor>
{
    // Field names are state-dict keys: do not rename.
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly ModuleList<Block> h;
    private readonly HookedLayerNorm ln_f;

    private readonly Dictionary<string, HookPoint> _hooks;
    private readonly HookPoint _hookEmbed = new(HookName.Embed);
    private readonly HookPoint _hookPosEmbed = new(HookName.PosEmbed);

    public Gpt2(Gpt2Config config) : base("GPT2LMHeadModel")
    {
        Config = config;
        wte = nn.Embedding(config.VocabSize, config.NEmbd);
        wpe = nn.Embedding(config.NPositions, config.NEmbd);
        h = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(l => new Block(config, l)).ToArray());
        ln_f = new HookedLayerNorm(config.NEmbd, config.LayerNormEpsilon, HookName.LnFinalScale, HookName.LnFinalNormalized);
        RegisterComponents();

        _hooks = new[] { _hookEmbed, _hookPosEmbed }
            .Concat(h.SelectMany(b => b.HookPoints))
            .Concat([ln_f.Scale, ln_f.Normalized])
            .ToDictionary(p => p.Name.Name);
    }

    public Gpt2Config Config { get; }

    /// <summary>The tokenizer loaded with the model, when its folder has <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    public Gpt2Tokenizer? Tokenizer { get; init; }

    /// <summary>The folder the model was loaded from, if any.</summary>
    public string? SourceDirectory { get; init; }


    public Device Device
    {
        get
        {
            // Embedding.weight wraps the native parameter in a new handle on every call; release it here.
            using var weight = wte.weight!;
            return weight.device;
        }
    }

    /// <summary>
    /// The token embedding matrix <c>[V, d]</c> (also the unembedding, transposed, unless weight processing untied them:
    /// <see cref="Unembed"/> is the unembedding either way). Each call returns a new handle on the
    /// same weights, which the caller may dispose (it is registered on the current dispose scope, if any).
    /// </summary>
    public Tensor TokenEmbedding => wte.weight!;

    public Gpt2Tokenizer RequireTokenizer() => Tokenizer
        ?? throw new InterpException($"{SourceDirectory ?? "this model"}: no tokenizer (vocab.json + merges.txt) in the model folder");

    /// <summary>Every hook point, by TransformerLens name, in forward order.</summary>
    public IReadOnlyDictionary<string, HookPoint> HookPoints => _hooks;

    /// <summary>The hook point with this name; an unknown name is an <see cref="InterpException"/> listing the valid ones.</summary>
    public HookPoint GetHookPoint(HookName name) =>
        _hooks.TryGetValue(name.Name, out var point) ? point : _hooks[HookName.Parse(name.Name, Config.NLayer).Name];

    /// <summary>Logits <c>(B, T, V)</c> for token ids <c>(B, T)</c>.</summary>
    public override Tensor forward(Tensor tokens) => Run(tokens)!;

    /// <summary>
    /// The forward pass. <paramref name="stopAtLayer"/> follows TransformerLens: run the embeddings and blocks
    /// <c>0 .. stopAtLayer-1</c> and return the residual stream <c>(B, T, d)</c>; <c>NLayer</c> also skips <c>ln_f</c>;
    /// <c>NLayer + 1</c> runs <c>ln_f</c> and returns its output without the (expensive) unembedding.
    /// With a <paramref name="cache"/>, <paramref name="tokens"/> are the new positions after those already cached.
    /// Only the returned tensor outlives the call: every intermediate, including tensors that hook functions create,
    /// is disposed on return (a hook that keeps a tensor must <c>DetachFromDisposeScope()</c> it, as
    /// <see cref="ActivationCache"/> does).
    /// </summary>
    public Tensor Run(Tensor tokens, int? stopAtLayer = null, KvCache? cache = null)
    {
        CheckInput(tokens, cache?.Length ?? 0);
        using var scope = NewDisposeScope();
        return ForwardCore(tokens, stopAtLayer, cache).MoveToOuterDisposeScope();
    }

    private Tensor ForwardCore(Tensor tokens, int? stopAtLayer, KvCache? cache)
    {
        var past = cache?.Length ?? 0;
        var (batch, time) = (tokens.shape[0], tokens.shape[1]);
        using var positions = arange(past, past + time, dtype: ScalarType.Int64, device: tokens.device);

        var tokenEmbed = _hookEmbed.Apply(wte.call(tokens));                                     // (B, T, d)
        var posEmbed = _hookPosEmbed.Apply(wpe.call(positions).unsqueeze(0).expand(batch, time, -1)); // (B, T, d)
        var x = tokenEmbed + posEmbed;
        var last = Math.Min(stopAtLayer ?? Config.NLayer, Config.NLayer);
        for (var l = 0; l < last; l++) x = h[l].call(x, cache?.Layer(l));
        cache?.Advance(time);
        if (stopAtLayer <= Config.NLayer) return x;

        x = ln_f.call(x);                                                                          // (B, T, d)
        if (stopAtLayer is not null) return x;
        return Unembed(x);                                                                         // (B, T, V)
    }

    /// <summary>The first block index that no hook in <paramref name="names"/> needs, for <see cref="Run"/>'s stopAtLayer.</summary>
    public int StopAfter(IEnumerable<HookName> names) => names.Select(n => n.Layer(Config.NLayer) + 1).DefaultIfEmpty(0).Max();

    private void CheckInput(Tensor tokens, long past)
    {
        if (tokens.dim() != 2) throw new InterpException($"tokens must be (batch, positions); got shape [{string.Join(", ", tokens.shape)}]");
        if (tokens.numel() == 0) throw new InterpException("no tokens to run");
        if (past + tokens.shape[1] > Config.NPositions)
            throw new InterpException($"context of {past + tokens.shape[1]} tokens is longer than this model's n_positions={Config.NPositions}");
        using var minimum = tokens.min();
        using var maximum = tokens.max();
        var (min, max) = (minimum.item<long>(), maximum.item<long>());
        if (min < 0 || max >= Config.VocabSize)
            throw new InterpException($"token id {(min < 0 ? min : max)} is out of range for vocab_size={Config.VocabSize}");
    }

    /// <summary>A transformer block: pre-LN attention and MLP, each added to the residual stream.</summary>
    private sealed class Block : nn.Module<Tensor, KvCache.LayerCache?, Tensor>
    {
        private readonly HookedLayerNorm ln_1;
        private readonly Attention attn;
        private readonly HookedLayerNorm ln_2;
        private readonly Mlp mlp;
        private readonly HookPoint _residPre, _attnOut, _residMid, _mlpOut, _residPost;

        public Block(Gpt2Config config, int layer) : base($"h.{layer}")
        {
            ln_1 = new HookedLayerNorm(config.NEmbd, config.LayerNormEpsilon, HookName.Ln1Scale(layer), HookName.Ln1Normalized(layer));
            attn = new Attention(config, layer);
            ln_2 = new HookedLayerNorm(config.NEmbd, config.LayerNormEpsilon, HookName.Ln2Scale(layer), HookName.Ln2Normalized(layer));
            mlp = new Mlp(config, layer);
            RegisterComponents();
            (_residPre, _attnOut, _residMid) = (new(HookName.ResidPre(layer)), new(HookName.AttnOut(layer)), new(HookName.ResidMid(layer)));
            (_mlpOut, _residPost) = (new(HookName.MlpOut(layer)), new(HookName.ResidPost(layer)));
        }

        public IEnumerable<HookPoint> HookPoints =>
            new[] { _residPre, ln_1.Scale, ln_1.Normalized }.Concat(attn.HookPoints).Concat([_attnOut, _residMid, ln_2.Scale, ln_2.Normalized])
                .Concat(mlp.HookPoints).Concat([_mlpOut, _residPost]);

        public override Tensor forward(Tensor x, KvCache.LayerCache? cache)
        {
            x = _residPre.Apply(x);                                                  // (B, T, d)
            var attnOut = _attnOut.Apply(attn.call(ln_1.call(x), cache));            // (B, T, d)
            x = _residMid.Apply(x + attnOut);
            var mlpOut = _mlpOut.Apply(mlp.call(ln_2.call(x)));                      // (B, T, d)
            return _residPost.Apply(x + mlpOut);
        }
    }

    /// <summary>Causal multi-head self-attention with the fused <c>c_attn</c> projection.</summary>
    private sealed class Attention : nn.Module<Tensor, KvCache.LayerCache?, Tensor>
    {
        private readonly Conv1D c_attn;
        private readonly Conv1D c_proj;
        private readonly int _nHead, _dHead;
        private readonly HookPoint _q, _k, _v, _scores, _pattern, _z;

        public Attention(Gpt2Config config, int layer) : base("attn")
        {
            (_nHead, _dHead) = (config.NHead, config.DHead);
            c_attn = new Conv1D(config.NEmbd, 3 * config.NEmbd);
            c_proj = new Conv1D(config.NEmbd, config.NEmbd);
            RegisterComponents();
            (_q, _k, _v) = (new(HookName.Q(layer)), new(HookName.K(layer)), new(HookName.V(layer)));
            (_scores, _pattern, _z) = (new(HookName.AttnScores(layer)), new(HookName.Pattern(layer)), new(HookName.Z(layer)));
        }

        public IEnumerable<HookPoint> HookPoints => [_q, _k, _v, _scores, _pattern, _z];

        public override Tensor forward(Tensor x, KvCache.LayerCache? cache)
        {
            var (batch, time) = (x.shape[0], x.shape[1]);
            var qkv = c_attn.call(x).split(_nHead * _dHead, dim: 2);                       // 3 × (B, T, d)
            var q = _q.Apply(qkv[0].view(batch, time, _nHead, _dHead)).transpose(1, 2);  // (B, nh, T, hs)
            var k = _k.Apply(qkv[1].view(batch, time, _nHead, _dHead)).transpose(1, 2);  // (B, nh, T, hs)
            var v = _v.Apply(qkv[2].view(batch, time, _nHead, _dHead)).transpose(1, 2);  // (B, nh, T, hs)
            if (cache is not null) (k, v) = cache.Append(k, v);                           // (B, nh, past+T, hs)
            var past = k.shape[2] - time;

            Tensor z;                                                                      // (B, nh, T, hs)
            if (!_scores.HasHooks && !_pattern.HasHooks)
            {
                // The fused kernel; with cached keys a single new query may attend to everything.
                using var mask = past > 0 && time > 1 ? CausalMask(time, past, x.device) : null;
                z = F.scaled_dot_product_attention(q, k, v, mask, 0.0, is_casual: past == 0 && time > 1);
            }
            else
            {
                var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(_dHead);           // (B, nh, T, past+T)
                using (var mask = CausalMask(time, past, x.device)) scores = scores.masked_fill(mask.logical_not(), float.NegativeInfinity);
                var pattern = _pattern.Apply(_scores.Apply(scores).softmax(-1));          // (B, nh, T, past+T)
                z = pattern.matmul(v);
            }
            z = _z.Apply(z.transpose(1, 2));                                               // (B, T, nh, hs)
            return c_proj.call(z.reshape(batch, time, _nHead * _dHead));                   // (B, T, d)
        }

        /// <summary>True where query i (at absolute position past+i) may see key j: j ≤ past + i. Shape (T, past+T).</summary>
        private static Tensor CausalMask(long time, long past, Device device) =>
            ones(time, past + time, dtype: ScalarType.Bool, device: device).tril(past);
    }

    /// <summary>The MLP: <c>c_proj(gelu(c_fc(x)))</c>.</summary>
    private sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly Conv1D c_fc;
        private readonly Conv1D c_proj;
        private readonly bool _tanhGelu;
        private readonly HookPoint _pre, _post;

        public Mlp(Gpt2Config config, int layer) : base("mlp")
        {
            c_fc = new Conv1D(config.NEmbd, config.DMlp);
            c_proj = new Conv1D(config.DMlp, config.NEmbd);
            _tanhGelu = config.Activation == "gelu_new";
            RegisterComponents();
            (_pre, _post) = (new(HookName.MlpPre(layer)), new(HookName.MlpPost(layer)));
        }

        public IEnumerable<HookPoint> HookPoints => [_pre, _post];

        public override Tensor forward(Tensor x)
        {
            var pre = _pre.Apply(c_fc.call(x));                                                       // (B, T, m)
            var post = _post.Apply(F.gelu(pre, _tanhGelu ? GELU.Approximate.tanh : GELU.Approximate.none));    // (B, T, m)
            return c_proj.call(post);                                                                  // (B, T, d)
        }
    }
}

/// <summary>
/// Hugging Face's Conv1D: a linear layer whose weight is stored <c>[in, out]</c> (the transpose of nn.Linear), kept as is
/// so checkpoint tensors load without a transpose.
/// </summary>
internal sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    public Conv1D(long inFeatures, long outFeatures) : base("Conv1D")
    {
        weight = nn.Parameter(normal(0, 0.02, [inFeatures, outFeatures]));
        bias = nn.Parameter(zeros(outFeatures));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var shape = x.shape;
        var flat = x.reshape(-1, shape[^1]);                          // (N, in)
        var y = addmm(bias, flat, weight, 1, 1);                          // (N, out)
        return y.view([.. shape[..^1], weight.shape[1]]);            // (..., out)
    }
}
