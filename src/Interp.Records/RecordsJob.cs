using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Sae;
using Interp.Sae.Architectures;

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

    /// <summary>An SAE folder (SAELens layout): build records of its latents.</summary>
    public string? Sae { get; init; }

    /// <summary>
    /// The model (folder or hub name). Default: with <see cref="Activations"/>, the folder the store was harvested from
    /// when it exists, else the embedded model; with <see cref="Corpus"/>, the embedded model. Its weights must be the
    /// store's (SHA-256).
    /// </summary>
    public string? Model { get; init; }

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
        var clock = Stopwatch.StartNew();
        var fromStore = options.Activations is not null;
        if (fromStore == options.Corpus.Count > 0)
            throw new InterpException(fromStore ? "give either --activations or --corpus, not both" : "give --activations DIR, or --corpus FILE with --hook NAME");

        using var sae = options.Sae is null ? null : SparseAutoencoder.Load(options.Sae, DeviceSelection.Resolve(options.Device));
        var hook = options.Hook ?? (sae?.Config.HookName is { Length: > 0 } h ? h : null);
        ActivationStoreReader? store = null;
        Gpt2? model = null;
        try
        {
            IActivationBlockSource source;
            JsonNode corpus;
            bool prependBos;
            if (fromStore)
            {
                store = ActivationStoreReader.Open(options.Activations!, hook);
                model = LoadModel(options.Model ?? StoreModelFolder(store), options.Device);
                var storeSha = store.Manifest.Model.WeightsSha256;
                var modelSha = ModelFingerprint.Of(model).WeightsSha256;
                if (storeSha != modelSha)
                    throw new InterpException($"{Path.Combine(store.Folder, ActivationManifest.FileName)}: harvested from a model with weights sha256 {storeSha[..12]}…, " +
                                              $"but the model {model.SourceDirectory ?? "given"} has {modelSha[..12]}…; pass --model with the model the store was harvested from");
                source = new StoreBlockSource(store);
                prependBos = store.Manifest.PrependBos;
                corpus = Corpus(store.Manifest.Corpus, store.Manifest.MaxTokens, prependBos);
            }
            else
            {
                if (hook is null) throw RecordOptions.Refuse(n => $"{n(nameof(RecordsJobOptions.Hook))} is required with {n(nameof(RecordsJobOptions.Corpus))} (e.g. blocks.1.mlp.hook_post)");
                model = LoadModel(options.Model, options.Device);
                var tokenizer = model.RequireTokenizer();
                // A corpus that is not valid UTF-8 is worth a warning on stderr, whatever the log shows.
                var contexts = ContextBuilder.FromFiles(options.Corpus, tokenizer, options.Ctx, options.PrependBos, options.Tokens, Console.Error.WriteLine);
                source = new ModelBlockSource(model, HookName.Parse(hook, model.Config.NLayer), contexts, options.Batch);
                prependBos = contexts.PrependBos;
                corpus = Corpus(contexts.Record, contexts.MaxTokens, prependBos);
            }
            var hookName = new HookName(source.Hook);
            var activationWidth = source.Width;
            if (sae is not null) source = new SaeBlockSource(source, sae, options.Sampling.BlockValues);
            if (prependBos) source = new BosMaskedBlockSource(source);      // BOS is never a unit's example

            var tokenString = TokenStrings(model);
            var units = UnitSelection.Parse(options.Units, source.Width);
            using var effects = sae is null
                ? UnitEffects.ForNeurons(model, hookName, activationWidth, tokenString, options.Sampling)
                : UnitEffects.ForSae(model, sae, hookName, tokenString, options.Sampling);
            var unitSource = new UnitSource(sae is null ? UnitKind.Neuron : UnitKind.SaeLatent, hookName);
            var manifest = new RecordsManifest
            {
                Kind = unitSource.KindName,
                Source = unitSource.ToString(),
                Hook = source.Hook,
                SourceUnits = source.Width,
                Activations = store?.Folder,
                Model = ModelJson(model, store?.Manifest.Model.WeightsSha256),
                Sae = sae is null ? null : SaeJson(sae, options.Sae!),
                Corpus = corpus,
                Ctx = source.Ctx,
                Contexts = source.Contexts,
                Tokens = source.Contexts * source.Ctx,
                Options = OptionsJson(options.Sampling),
                Units = options.Units,
                UnitCount = units.Length,
            };

            using var writer = UnitRecordStoreWriter.Open(options.OutDirectory, manifest, options.Overwrite);
            var remaining = units.Where(u => !writer.DoneUnits.Contains(u)).ToArray();
            var resumed = units.Length - remaining.Length;
            log?.Invoke($"records: {units.Length:N0} {(sae is null ? "neurons" : "latents")} of {manifest.Source} over {manifest.Tokens:N0} tokens " +
                        $"({manifest.Contexts:N0} contexts × {manifest.Ctx}){(resumed > 0 ? $", resuming after {resumed:N0} finished units" : "")} → {options.OutDirectory}");
            var builder = new RecordBuilder(source, manifest.Source, options.Sampling, tokenString, effects);
            foreach (var chunk in builder.Build(remaining, progress, resumed, units.Length, cancellationToken))
                writer.Write(chunk);
            var finished = manifest with
            {
                Build = new JsonObject
                {
                    ["finished_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    ["seconds_last_run"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
                    ["units_resumed"] = resumed,
                    ["units_per_chunk"] = builder.ChunkSize,
                },
            };
            var path = writer.Complete(finished);
            return new RecordsJobResult(path, finished, remaining.Length, resumed, clock.Elapsed, new FileInfo(path).Length);
        }
        finally
        {
            model?.Dispose();
            store?.Dispose();
        }
    }

    /// <summary>A token's display text from the model's tokenizer; <c>&lt;id&gt;</c> when it has none or the id is outside it.</summary>
    public static Func<int, string> TokenStrings(Gpt2 model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tokenizer = model.Tokenizer;
        return id => tokenizer is not null && id >= 0 && id < tokenizer.VocabSize ? tokenizer.TokenString(id) : $"<{id.ToString(CultureInfo.InvariantCulture)}>";
    }

    private static Gpt2 LoadModel(string? model, string device) => Gpt2.Load(ModelSource.Resolve(model), DeviceSelection.Resolve(device));

    // The folder the store was harvested from, when it is still there; else null (the embedded default).
    private static string? StoreModelFolder(ActivationStoreReader store) =>
        store.Manifest.Model.Name is { Length: > 0 } name && File.Exists(Path.Combine(name, "model.safetensors")) ? name : null;

    private static JsonNode Corpus(CorpusRecord record, long? maxTokens, bool prependBos)
    {
        var node = JsonSerializer.SerializeToNode(record, RecordsManifest.Json)!.AsObject();
        node["max_tokens"] = maxTokens;
        node["prepend_bos"] = prependBos;
        return node;
    }

    private static JsonObject ModelJson(Gpt2 model, string? storeSha)
    {
        var identity = ModelFingerprint.Of(model);
        return new JsonObject
        {
            ["name"] = identity.Name,
            ["weights_sha256"] = storeSha ?? identity.WeightsSha256,
            ["config"] = identity.Config.DeepClone(),
        };
    }

    private static JsonObject SaeJson(SparseAutoencoder sae, string folder)
    {
        var weights = Path.Combine(folder, SaeFolder.WeightsFileName);
        string sha;
        using (var stream = File.OpenRead(weights)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new JsonObject
        {
            ["path"] = folder,
            ["weights_sha256"] = sha,
            ["architecture"] = sae.Config.Architecture.ToSaeLensName(),
            ["d_in"] = sae.DIn,
            ["d_sae"] = sae.DSae,
            ["hook_name"] = sae.Config.HookName,
        };
    }

    private static JsonObject OptionsJson(RecordOptions o) => new()
    {
        ["window"] = o.Window,
        ["peak_offset"] = o.PeakOffset,
        ["top"] = o.Top,
        ["band_samples"] = o.BandSamples,
        ["bands"] = new JsonArray(o.Bands.Select(b => (JsonNode)new JsonArray(b.Low, b.High)).ToArray()),
        ["random"] = o.Random,
        ["random_activating"] = o.RandomActivating,
        ["non_activating"] = o.NonActivating,
        ["histogram_bins"] = o.HistogramBins,
        ["logit_tokens"] = o.LogitTokens,
        ["logit_histogram_bins"] = o.LogitHistogramBins,
        ["nearest"] = o.Nearest,
        ["seed"] = o.Seed,
    };
}
