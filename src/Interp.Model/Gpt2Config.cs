using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Hooks;

namespace Interp.Model;

/// <summary>
/// The shape of a GPT-2 model, read from and written to a Hugging Face <c>config.json</c> (same key names).
/// </summary>
/// <param name="VocabSize">vocab_size: 50257 for GPT-2.</param>
/// <param name="NPositions">n_positions: the longest context the position embedding covers.</param>
/// <param name="NEmbd">n_embd: the residual stream width d_model.</param>
/// <param name="NLayer">n_layer: number of transformer blocks.</param>
/// <param name="NHead">n_head: attention heads per block.</param>
/// <param name="NInner">n_inner: MLP hidden width d_mlp (4 × n_embd when null in the file).</param>
/// <param name="LayerNormEpsilon">layer_norm_epsilon.</param>
/// <param name="Activation">activation_function: <c>gelu_new</c> (tanh approximation, GPT-2's) or <c>gelu</c> (exact).</param>
public sealed record Gpt2Config(
    int VocabSize = 50257,
    int NPositions = 1024,
    int NEmbd = 768,
    int NLayer = 12,
    int NHead = 12,
    int? NInner = null,
    double LayerNormEpsilon = 1e-5,
    string Activation = "gelu_new")
{
    public int DMlp => NInner ?? 4 * NEmbd;
    public int DHead => NEmbd / NHead;

    /// <summary>
    /// The width of one token's vector at <paramref name="hook"/>: d_mlp for <c>mlp.hook_pre|post</c>, 1 for a LayerNorm's
    /// <c>hook_scale</c> ([batch, position, 1], as TransformerLens), n_embd for every other per-token hook (attention
    /// q/k/v/z are [batch, position, n_head, d_head], read with the heads flattened).
    /// </summary>
    /// <exception cref="InterpException">Not a hook of this model, or attention scores or patterns (not per token).</exception>
    public int WidthOf(HookName hook)
    {
        var name = HookName.Parse(hook.Name, NLayer);
        if (!IsPerToken(name))
            throw new InterpException($"hook {name} is not one vector per token (attention scores and patterns are [batch, n_head, position, position]); pick a per-token hook");
        if (name.Name.EndsWith(".hook_scale", StringComparison.Ordinal)) return 1;
        return name.Name.EndsWith(".mlp.hook_pre", StringComparison.Ordinal) || name.Name.EndsWith(".mlp.hook_post", StringComparison.Ordinal) ? DMlp : NEmbd;
    }

    /// <summary>False for attention scores and patterns ([batch, n_head, position, position]): the only hooks without one vector per token.</summary>
    public static bool IsPerToken(HookName hook) =>
        !hook.Name.EndsWith(".attn.hook_attn_scores", StringComparison.Ordinal) && !hook.Name.EndsWith(".attn.hook_pattern", StringComparison.Ordinal);

    /// <summary>GPT-2 small (124M).</summary>
    public static Gpt2Config Gpt2Small => new();

    /// <summary>Parameter count with the LM head tied to <c>wte</c> (GPT-2's convention).</summary>
    public long ParameterCount =>
        (long)VocabSize * NEmbd + (long)NPositions * NEmbd + 2L * NEmbd
        + NLayer * (4L * NEmbd + (3L * NEmbd * NEmbd + 3L * NEmbd) + ((long)NEmbd * NEmbd + NEmbd)
                    + ((long)NEmbd * DMlp + DMlp) + ((long)DMlp * NEmbd + NEmbd));

    /// <summary>Reads a Hugging Face GPT-2 <c>config.json</c>; each bad or missing value is one clear error.</summary>
    public static Gpt2Config Load(string path)
    {
        if (!File.Exists(path)) throw new InterpException($"{path}: file not found");
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InterpException($"{path}: not a JSON object"); }
        catch (JsonException e) { throw new InterpException($"{path}: invalid JSON ({e.Message})"); }

        int Int(string key, int? fallback = null)
        {
            var node = root[key];
            if (node is null) return fallback ?? throw new InterpException($"{path}: missing key '{key}'");
            try { var v = node.GetValue<int>(); if (v <= 0) throw new FormatException(); return v; }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            { throw new InterpException($"{path}: '{key}' must be a positive integer, got {node.ToJsonString()}"); }
        }

        var modelType = root["model_type"]?.GetValue<string>();
        if (modelType is not null && modelType != "gpt2") throw new InterpException($"{path}: model_type '{modelType}' is not gpt2");
        var activation = root["activation_function"]?.GetValue<string>() ?? "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu"))
            throw new InterpException($"{path}: activation_function '{activation}' is not supported (gelu_new, gelu_pytorch_tanh, gelu)");
        if (root["tie_word_embeddings"] is { } tie && !tie.GetValue<bool>())
            throw new InterpException($"{path}: tie_word_embeddings=false is not supported (GPT-2 ties the LM head to wte)");

        var config = new Gpt2Config(
            VocabSize: Int("vocab_size"),
            NPositions: Int("n_positions", root["n_ctx"]?.GetValue<int>()),
            NEmbd: Int("n_embd"),
            NLayer: Int("n_layer"),
            NHead: Int("n_head"),
            NInner: root["n_inner"] is null ? null : Int("n_inner"),
            LayerNormEpsilon: root["layer_norm_epsilon"]?.GetValue<double>() ?? 1e-5,
            Activation: activation == "gelu_pytorch_tanh" ? "gelu_new" : activation);
        if (config.NEmbd % config.NHead != 0)
            throw new InterpException($"{path}: n_embd {config.NEmbd} is not divisible by n_head {config.NHead}");
        return config;
    }

    /// <summary>Writes a Hugging Face-compatible <c>config.json</c> (atomically).</summary>
    public void Save(string path, string torchDtype = "float32")
    {
        var json = new JsonObject
        {
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["vocab_size"] = VocabSize,
            ["n_positions"] = NPositions,
            ["n_ctx"] = NPositions,
            ["n_embd"] = NEmbd,
            ["n_layer"] = NLayer,
            ["n_head"] = NHead,
            ["n_inner"] = NInner,
            ["activation_function"] = Activation,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["bos_token_id"] = 50256,
            ["eos_token_id"] = 50256,
            ["tie_word_embeddings"] = true,
            ["torch_dtype"] = torchDtype,
        };
        AtomicFile.WriteAllText(path, json.ToJsonString(JsonDefaults.Indented));
    }
}
