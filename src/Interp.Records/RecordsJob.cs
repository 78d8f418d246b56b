using System.Diagnostics;
using System.Globalization;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Sae;

namespace Interp.Records;

/// <summary>
/// What <c>interp records</c> builds: from an activation store (<see cref="Activations"/>) or from a model run over a
/// corpus (<see cref="Corpus"/> + <see cref="Hook"/>), the hook's neurons or, with <see cref="Sae"/>, the SAE's latents.
/// </summary>
public sealed record RecordsJobOptions
{
    /// <summary>An activation store: a hook folder, or a store root (with <see cref="Hook"/>, or the SAE's hook, to pick one).</summary>
    public string? Activations { get; init; }

    /// <summary>The hook (required with <see cref="Corpus"/>; picks a hook in a store root).</summary>
    public string? Hook { get; init; }

    /// <summary>Corpus files to run the model over (instead of <see cref="Activations"/>).</summary>
    public IReadOnlyList<string> Corpus { get; init; } = [];

    /// <summary>The JSON field or Parquet column that holds each document's text (corpus form).</summary>
    public string TextField { get; init; } = Core.Corpora.CorpusInput.DefaultTextField;

    /// <summary>An SAE folder (SAELens layout): build records of its latents.</summary>
    public string? Sae { get; init; }

    /// <summary>
    /// The model (folder or hub name). Default: with <see cref="Activations"/>, the folder the store was harvested from
    /// when it exists, else the embedded model; with <see cref="Corpus"/>, the embedded model. Its weights must be the
    /// store's (SHA-256).
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// TransformerLens weight processing for the model. Null: a store's own (its manifest says how it was harvested);
    /// with <see cref="Corpus"/>, the SAE's <c>model_from_pretrained_kwargs</c>, else none.
    /// </summary>
    public TlProcessing? Processing { get; init; }

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Tokens per context (corpus form).</summary>
    public int Ctx { get; init; } = 128;

    /// <summary>The first ceil(N/ctx) contexts only (corpus form).</summary>
    public long? Tokens { get; init; }

    /// <summary>Contexts per forward pass (corpus form).</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Start every context with &lt;|endoftext|&gt; (corpus form; the default, as TransformerLens does).</summary>
    public bool PrependBos { get; init; } = true;

    /// <summary>Which units: <c>all</c>, <c>0-1023</c>, <c>3,7,10-20</c>.</summary>
    public string Units { get; init; } = "all";

    /// <summary>
    /// This machine's part <c>K/N</c> of the selected <see cref="Units"/> (contiguous, balanced ranges; see
    /// <see cref="WorkSplit"/>): the parts' folders are joined by <see cref="RecordsMerger"/>.
    /// </summary>
    public string Shard { get; init; } = "1/1";

    /// <summary>Sampling options.</summary>
    public RecordOptions Sampling { get; init; } = new();

    /// <summary>The records folder.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>Rebuild even when finished records are there.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>The outcome of <see cref="RecordsJob.Run"/>.</summary>
/// <param name="DatabasePath">The finished <c>records.db</c>.</param>
/// <param name="Manifest">Its manifest.</param>
/// <param name="UnitsBuilt">Units built by this run.</param>
/// <param name="UnitsResumed">Units an interrupted earlier run had finished.</param>
/// <param name="Elapsed">Wall time of this run.</param>
/// <param name="Bytes">Size of <c>records.db</c>.</param>
public sealed record RecordsJobResult(string DatabasePath, RecordsManifest Manifest, int UnitsBuilt, int UnitsResumed, TimeSpan Elapsed, long Bytes);

/// <summary>
/// <c>interp records</c> as a library call: checks the inputs (each problem one <see cref="InterpException"/> line),
/// wires the source (store or model, optionally through an SAE), the logit effects and the store writer, and builds the
/// records chunk by chunk; an interrupted run resumes where it stopped when run again with the same inputs.
/// </summary>
public static class RecordsJob
{
    /// <summary>Runs the job.</summary>
    /// <exception cref="InterpException">Bad input: a missing store or corpus, an SAE that does not fit, a model that is not the store's, …</exception>
    /// <exception cref="OperationCanceledException">Cancelled; finished chunks are kept for a resume.</exception>
    public static RecordsJobResult Run(RecordsJobOptions options, Action<string>? log = null, Action<RecordsProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Sampling.Validate();
        var split = WorkSplit.Parse(options.Shard);
        var clock = Stopwatch.StartNew();
        var fromStore = options.Activations is not null;
        if (fromStore == options.Corpus.Count > 0)
            throw RecordOptions.Refuse(fromStore
                ? n => $"give either {n(nameof(options.Activations))} or {n(nameof(options.Corpus))}, not both"
                : n => $"give {n(nameof(options.Activations))} DIR, or {n(nameof(options.Corpus))} FILE with {n(nameof(options.Hook))}");

        using var sae = options.Sae is null ? null : SparseAutoencoder.Load(options.Sae, DeviceSelection.Resolve(options.Device));
        var hook = options.Hook ?? (sae?.Config.HookName is { Length: > 0 } h ? h : null);
        ActivationStoreReader? store = null;
        Gpt2? model = null;
        try
        {
            IActivationBlockSource source;
            RecordsCorpus corpus;
            bool prependBos;
            if (fromStore)
            {
                store = ActivationStoreReader.Open(options.Activations!, hook);
                model = LoadModel(options.Model ?? StoreModelFolder(store), options.Device, options.Processing ?? store.Manifest.Processing);
                var storeSha = store.Manifest.Model.WeightsSha256;
                var modelSha = ModelFingerprint.Of(model).WeightsSha256;
                if (storeSha != modelSha)
                {
                    var (manifestPath, modelName) = (Path.Combine(store.Folder, ActivationManifest.FileName), model.SourceDirectory ?? "given");
                    throw RecordOptions.Refuse(n => $"{manifestPath}: harvested from a model with weights sha256 {storeSha[..12]}…, " +
                                                    $"but the model {modelName} has {modelSha[..12]}…; pass {n(nameof(options.Model))} with the model the store was harvested from");
                }
                source = new StoreBlockSource(store);
                prependBos = store.Manifest.PrependBos;
                corpus = RecordsCorpus.Of(store.Manifest.Corpus, store.Manifest.MaxTokens, prependBos);
            }
            else
            {
                if (hook is null) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Hook))} is required with {n(nameof(RecordsJobOptions.Corpus))} (e.g. blocks.1.mlp.hook_post)");
                model = LoadModel(options.Model, options.Device, options.Processing ?? sae?.Config.ModelProcessing ?? TlProcessing.None);
                var tokenizer = model.RequireTokenizer();
                // A corpus that is not valid UTF-8 is worth a warning on stderr, whatever the log shows.
                var contexts = ContextBuilder.FromFiles(options.Corpus, tokenizer, options.Ctx, options.PrependBos, options.Tokens, Console.Error.WriteLine,
                    options.TextField);
                source = new ModelBlockSource(model, HookName.Parse(hook, model.Config.NLayer), contexts, options.Batch);
                prependBos = contexts.PrependBos;
                corpus = RecordsCorpus.Of(contexts.Record, contexts.MaxTokens, prependBos);
            }
            var hookName = new HookName(source.Hook);
            var activationWidth = source.Width;
            if (sae is not null) source = new SaeBlockSource(source, sae, options.Sampling.BlockValues);
            if (prependBos) source = new BosMaskedBlockSource(source);      // BOS is never a unit's example

            var tokenString = TokenStrings(model);
            var units = split.Take(UnitSelection.Parse(options.Units, source.Width));
            using var effects = sae is null
                ? UnitEffects.ForNeurons(model, hookName, activationWidth, tokenString, options.Sampling)
                : UnitEffects.ForSae(model, sae, WrittenHook(sae), tokenString, options.Sampling);
            var unitSource = new UnitSource(sae is null ? UnitKind.Neuron : sae.Config.IsTranscoder ? UnitKind.TranscoderLatent : UnitKind.SaeLatent, hookName);
            var manifest = new RecordsManifest
            {
                Kind = unitSource.KindName,
                Source = unitSource.ToString(),
                Hook = source.Hook,
                SourceUnits = source.Width,
                Activations = store?.Folder,
                Model = ModelFingerprint.Of(model),   // with a store, the same weights as the store's (checked above)
                Sae = sae is null ? null : SaeIdentity.Of(sae, options.Sae!),
                Corpus = corpus,
                Ctx = source.Ctx,
                Contexts = source.Contexts,
                Tokens = source.Contexts * source.Ctx,
                Options = RecordsSampling.Of(options.Sampling),
                Units = options.Units,
                UnitCount = units.Length,
                Shard = split.IsWhole ? null : split,
            };

            using var writer = UnitRecordStoreWriter.Open(options.OutDirectory, manifest, options.Overwrite);
            var remaining = units.Where(u => !writer.DoneUnits.Contains(u)).ToArray();
            var resumed = units.Length - remaining.Length;
            log?.Invoke($"records: {units.Length:N0} {(sae is null ? "neurons" : "latents")} of {manifest.Source}{(split.IsWhole ? "" : $" (part {split})")} over {manifest.Tokens:N0} tokens " +
                        $"({manifest.Contexts:N0} contexts × {manifest.Ctx}){(resumed > 0 ? $", resuming after {resumed:N0} finished units" : "")} → {options.OutDirectory}");
            var builder = new RecordBuilder(source, manifest.Source, options.Sampling, tokenString, effects);
            foreach (var chunk in builder.Build(remaining, progress, resumed, units.Length, cancellationToken))
                writer.Write(chunk);
            var finished = manifest with { Build = RecordsBuild.FinishedNow(clock.Elapsed, resumed, builder.ChunkSize) };
            var path = writer.Complete(finished);
            return new RecordsJobResult(path, finished, remaining.Length, resumed, clock.Elapsed, new FileInfo(path).Length);
        }
        finally
        {
            model?.Dispose();
            store?.Dispose();
        }
    }

    /// <summary>Where an SAE's decoder writes: its own hook, or a transcoder's output hook (the MLP's output, in the residual stream).</summary>
    private static HookName WrittenHook(SparseAutoencoder sae) => new(sae.Config.OutputHookName);

    /// <summary>A token's display text from the model's tokenizer; <c>&lt;id&gt;</c> when it has none or the id is outside it.</summary>
    public static Func<int, string> TokenStrings(Gpt2 model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tokenizer = model.Tokenizer;
        return id => tokenizer is not null && id >= 0 && id < tokenizer.VocabSize ? tokenizer.TokenString(id) : $"<{id.ToString(CultureInfo.InvariantCulture)}>";
    }

    private static Gpt2 LoadModel(string? model, string device, TlProcessing processing) =>
        Gpt2.Load(ModelSource.Resolve(model), DeviceSelection.Resolve(device), processing);

    // The folder the store was harvested from, when it is still there; else null (the embedded default).
    private static string? StoreModelFolder(ActivationStoreReader store) =>
        store.Manifest.Model.Name is { Length: > 0 } name && File.Exists(Path.Combine(name, "model.safetensors")) ? name : null;
}
