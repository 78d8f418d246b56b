using Interp.Core;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Sae.Architectures;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>What <see cref="EvalSaeJob"/> measured, and on what.</summary>
/// <param name="Config">The SAE's cfg.json.</param>
/// <param name="Model">The model as given, or <c>embedded default</c>.</param>
/// <param name="Processing">The TransformerLens weight processing the model ran with.</param>
/// <param name="Ctx">Tokens per context.</param>
/// <param name="PrependBos">Whether each context started with a BOS (left out of every metric).</param>
/// <param name="Contexts">Contexts evaluated.</param>
/// <param name="Activations">Reconstruction and sparsity at the hook.</param>
/// <param name="InModel">Next-token loss with the SAE spliced in.</param>
public sealed record EvalSaeResult(SaeConfig Config, string Model, TlProcessing Processing, int Ctx, bool PrependBos, long Contexts, SaeActivationMetrics Activations, SaeModelMetrics InModel);

/// <summary>
/// An SAE's reconstruction and sparsity on the model's activations over a corpus, and the model's next-token loss with the
/// SAE spliced in at its hook (SAELens's evals).
/// </summary>
public static class EvalSaeJob
{
    /// <summary>Evaluates. <paramref name="log"/> gets the one line saying what is evaluated; <paramref name="warn"/> gets
    /// warnings and the tokenizer's notes; <paramref name="loadModel"/> resolves and loads a model (null: the embedded one)
    /// with the given weight processing; <paramref name="progress"/> is called after each batch of contexts (the spliced pass,
    /// three forward passes a context, counts three times the first).</summary>
    public static EvalSaeResult Run(EvalSaeJobOptions options, Func<string?, TlProcessing, Gpt2> loadModel, Action<string> log, Action<string> warn,
        Action<StageProgress>? progress = null)
    {
        options.Validate();
        var dev = DeviceSelection.Resolve(options.Device);
        using var autoencoder = SparseAutoencoder.Load(options.Sae, dev);
        var config = autoencoder.Config;

        var modelArg = options.Model ?? (Directory.Exists(config.ModelName) ? config.ModelName : null);
        var processing = options.Processing ?? config.ModelProcessing;
        using var gpt2 = loadModel(modelArg, processing);
        SaeHooks.CheckFits(autoencoder, gpt2);
        if (config.ModelWeightsSha256 is { } sha && ModelFingerprint.Of(gpt2).WeightsSha256 is var actual && actual != sha)
            warn($"warning: {options.Sae} was trained on activations of model {config.ModelName} (weights sha256 {sha[..12]}…); " +
                 $"this model's weights differ ({actual[..12]}…)");

        var nPositions = gpt2.Config.NPositions;
        var ctx = options.Ctx ?? Math.Min(config.ContextSize ?? EvalSaeJobOptions.DefaultCtx, nPositions);
        if (ctx < 2 || ctx > nPositions)
            throw EvalSaeJobOptions.Refuse(n => $"{n(nameof(EvalSaeJobOptions.Ctx))} {ctx}: must be between 2 and the model's n_positions={nPositions}");
        var (tokenCount, skipTokens) = (options.Tokens, options.SkipTokens);
        var prependBos = options.PrependBos ?? config.PrependBos;
        var needed = ContextBuilder.StreamTokensFor(tokenCount, ctx, prependBos);   // tokenise no further than the contexts need
        var (stream, files) = ContextBuilder.Tokenize(options.Corpus, gpt2.RequireTokenizer(),
            needed > long.MaxValue - skipTokens ? long.MaxValue : skipTokens + needed, warn, options.TextField);
        if (skipTokens >= stream.Length)
            throw EvalSaeJobOptions.Refuse(n => $"{n(nameof(EvalSaeJobOptions.SkipTokens))} {skipTokens:N0}: the corpus has only {stream.Length:N0} tokens");
        stream = stream[(int)skipTokens..];
        var width = ctx - (prependBos ? 1 : 0);
        var available = (long)stream.Length / width * ctx;
        var contexts = ContextBuilder.Build(stream, files, ctx, prependBos, Math.Min(tokenCount, Math.Max(ctx, available)));
        using var ids = ContextTensor(contexts);
        log($"eval-sae: {options.Sae} ({config.SaeLensArchitectureName}, d_in={config.DIn}, d_sae={config.DSae}" +
            (config.IsTranscoder ? $", d_out={config.DOut}) from {config.HookName} to {config.OutputHookName}, replacing the MLP's output; " : $") at {config.HookName}; ") +
            $"{contexts.Count:N0} contexts × {ctx} tokens from {files.Count} file(s){(skipTokens > 0 ? $" after the first {skipTokens:N0} tokens" : "")}" +
            $"{(prependBos ? ", BOS prepended (left out of the metrics)" : "")}{(processing.IsNone ? "" : $", model weights processed as TransformerLens does ({processing})")}");

        var n = contexts.Count;
        long read = 0;
        IEnumerable<float[]> Counted(IEnumerable<float[]> batches)
        {
            foreach (var batch in batches)
            {
                yield return batch;
                read = Math.Min(n, read + options.Batch);
                progress?.Invoke(new StageProgress(read, 4 * n, $"activations at {config.HookName}: {read:N0}/{n:N0} contexts"));
            }
        }
        var activations = SaeEvaluator.Evaluate(autoencoder,
            Counted(SaeEvaluator.HookActivations(gpt2, autoencoder, ids, skipFirstPosition: prependBos, options.Batch)));
        var inModel = SaeEvaluator.EvaluateInModel(gpt2, autoencoder, ids, options.Batch, skipFirstPosition: prependBos,
            contextsDone: done => progress?.Invoke(new StageProgress(n + 3 * done, 4 * n, $"spliced into the model: {done:N0}/{n:N0} contexts")));
        return new EvalSaeResult(config, modelArg ?? "embedded default", processing, ctx, prependBos, contexts.Count, activations, inModel);
    }

    private static Tensor ContextTensor(ContextSet contexts)
    {
        var ids = new long[contexts.Count * contexts.Ctx];
        var row = new int[contexts.Ctx];
        for (long c = 0; c < contexts.Count; c++)
        {
            contexts.Fill(c, row);
            for (var t = 0; t < row.Length; t++) ids[c * contexts.Ctx + t] = row[t];
        }
        return tensor(ids, [contexts.Count, contexts.Ctx]);
    }
}
