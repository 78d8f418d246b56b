using Interp.AutoInterp.Batch;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Records;
using Interp.Sae;

namespace Interp.Web.Tests.Support;

/// <summary>
/// A run with a small TopK transcoder for every layer of the embedded model, made once per test process through the
/// library: every layer's MLP input and output harvested over a slice of Tiny Shakespeare, four TopK transcoders (d_sae
/// 128) with random weights, records of each one's latents, and offline explanations of live ones — what the graph page needs.
/// </summary>
public sealed class TranscoderRun
{
    /// <summary>The run's name.</summary>
    public const string Name = "graph";

    /// <summary>Latents of each transcoder.</summary>
    public const int DSae = 128;

    private static readonly Lazy<TranscoderRun> Instance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private TranscoderRun(string runsFolder, int layers) => (RunsFolder, Layers) = (runsFolder, layers);

    /// <summary>The shared instance (built on first use, some seconds).</summary>
    public static TranscoderRun Shared => Instance.Value;

    /// <summary>The folder holding the run (what <c>interp serve --runs</c> gets).</summary>
    public string RunsFolder { get; }

    /// <summary>The run folder.</summary>
    public string RunFolder => Path.Combine(RunsFolder, Name);

    /// <summary>The model's layers (one transcoder each).</summary>
    public int Layers { get; }

    private static TranscoderRun Build()
    {
        var runs = TestPaths.NewTempFolder("graph-runs");
        var layout = new RunLayout(Path.Combine(runs, Name));
        var corpus = Path.Combine(layout.Run, "corpus.txt");
        Directory.CreateDirectory(layout.Run);
        File.WriteAllText(corpus, File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "data", "corpora", "tinyshakespeare.txt"))[..20_000]);

        int layers, dModel;
        using (var model = Gpt2.Load(TestPaths.DefaultModel))
        {
            (layers, dModel) = (model.Config.NLayer, model.Config.NEmbd);
            var (stream, files) = ContextBuilder.Tokenize([corpus], model.RequireTokenizer());
            var contexts = ContextBuilder.Build(stream, files, ctx: 64, prependBos: true);
            var hooks = Enumerable.Range(0, layers).SelectMany(l => new[] { HookName.Ln2Normalized(l), HookName.MlpOut(l) }).ToArray();
            Harvester.Run(model, contexts, new HarvestOptions { Hooks = hooks, OutDirectory = layout.Activations });
        }

        var sampling = new RecordOptions { Window = 32, Top = 8, BandSamples = 3, Random = 4, RandomActivating = 4, NonActivating = 4 };
        for (var layer = 0; layer < layers; layer++)
        {
            WriteTranscoder(layout, layer, dModel);
            var records = layout.TranscoderRecordsOf(layer);
            RecordsJob.Run(new RecordsJobOptions { Activations = layout.Activations, Sae = layout.TranscoderOf(layer), Model = TestPaths.DefaultModel, OutDirectory = records, Sampling = sampling });
            using var store = UnitRecordStore.Open(records);
            var pipeline = PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto, new PipelineOptions(), null);
            var live = store.Summaries().Where(s => s.ActiveTokens > 0).Take(24).Select(s => s.Id).ToArray();
            new AutoInterpRunner(store, pipeline).RunAsync(live, layout.TranscoderResultsOf(layer), concurrency: 1).GetAwaiter().GetResult();
        }
        return new TranscoderRun(runs, layers);
    }

    // Random weights: the page's drawing, notes and links do not depend on what a transcoder learnt, and training four
    // would cost the suite time for nothing it checks.
    private static void WriteTranscoder(RunLayout layout, int layer, int dModel)
    {
        using var transcoder = SparseAutoencoder.Create(new SaeConfig
        {
            Architecture = SaeArchitecture.TopK, DIn = dModel, DOut = dModel, DSae = DSae, K = 8, IsTranscoder = true,
            HookName = HookName.Ln2Normalized(layer).ToString(), HookLayer = layer, OutputHookName = HookName.MlpOut(layer).ToString(),
            ApplyBDecToInput = false, ModelName = "default",
        }, seed: layer + 1);
        SaeFolder.Write(transcoder, layout.TranscoderOf(layer));
    }
}
