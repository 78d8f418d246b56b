using Interp.AutoInterp.Batch;
using Interp.Records;
using Interp.Core.Hooks;
using Interp.Core.Records;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Sae;

namespace Interp.Web.Tests.Support;

/// <summary>
/// A small but complete run, made once per test process through the library API on the embedded default model: an
/// activation store at two hooks, a TopK SAE with its training log, records for the MLP's neurons and the SAE's
/// latents, and offline explanations for some of each. The corpus carries markup (<c>&lt;img onerror&gt;</c>,
/// <c>&lt;script&gt;</c>) so that the pages show such tokens.
/// </summary>
public sealed class FixtureRun
{
    /// <summary>The run's name.</summary>
    public const string Name = "fixture";

    /// <summary>The MLP hook whose neurons have records.</summary>
    public const string MlpHook = "blocks.1.mlp.hook_post";

    /// <summary>The hook the SAE reads.</summary>
    public const string SaeHook = "blocks.1.hook_resid_post";

    /// <summary>The unit source of the SAE's latents.</summary>
    public const string SaeSource = "sae:" + SaeHook;

    /// <summary>Units explained per source.</summary>
    public const int Explained = 12;

    /// <summary>Markup put into the corpus.</summary>
    public const string Injection = "<img src=x onerror=\"window.__xss=1\"> and <script>window.__xss=2</script>";

    private static readonly Lazy<FixtureRun> Instance = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private FixtureRun(string runsFolder) => RunsFolder = runsFolder;

    /// <summary>The shared instance (built on first use, a few tens of seconds).</summary>
    public static FixtureRun Shared => Instance.Value;

    /// <summary>The folder holding the run (what <c>interp serve --runs</c> gets).</summary>
    public string RunsFolder { get; }

    /// <summary>The run folder.</summary>
    public string RunFolder => Path.Combine(RunsFolder, Name);

    /// <summary>The SAE folder.</summary>
    public string SaeFolder => Path.Combine(RunFolder, "sae", SaeHook);

    private static FixtureRun Build()
    {
        var runs = TestPaths.NewTempFolder("runs");
        var run = Path.Combine(runs, Name);
        var corpus = Path.Combine(run, "corpus.txt");
        Directory.CreateDirectory(run);
        var shakespeare = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "data", "corpora", "tinyshakespeare.txt"))[..20_000];
        var lines = shakespeare.Split('\n');
        // Markup every 25 lines, so it lands in many windows.
        File.WriteAllText(corpus, string.Join('\n', lines.Select((l, i) => i % 25 == 7 ? l + " " + Injection : l)));

        var activations = Path.Combine(run, "activations");
        using (var model = Gpt2.Load(TestPaths.DefaultModel))
        {
            var (stream, files) = ContextBuilder.Tokenize([corpus], model.RequireTokenizer());
            var contexts = ContextBuilder.Build(stream, files, ctx: 64, prependBos: false);
            Harvester.Run(model, contexts, new HarvestOptions { Hooks = [new HookName(MlpHook), new HookName(SaeHook)], OutDirectory = activations });
        }

        var saeFolder = Path.Combine(run, "sae", SaeHook);
        using (var source = StoreActivationSource.Open(activations, SaeHook))
        {
            var trainer = new SaeTrainer(new SaeTrainingOptions
            {
                OutDirectory = saeFolder, Architecture = SaeArchitecture.TopK, DSae = 256, K = 8, TrainingTokens = 40_000, BatchSize = 256,
                WarmupSteps = 5, LogEvery = 5, CheckpointEvery = 1_000_000, InitSamples = 1024, Device = "cpu", HookName = SaeHook,
                ModelName = "default", DeadWindowSteps = 78,
            }, source);
            trainer.Run().Dispose();
        }

        var sampling = new RecordOptions { Window = 32, Top = 8, BandSamples = 3, Random = 4, RandomActivating = 4, NonActivating = 4 };
        var neuronRecords = Path.Combine(run, "records", MlpHook);
        var latentRecords = Path.Combine(run, "records", "sae-" + SaeHook);
        RecordsJob.Run(new RecordsJobOptions { Activations = activations, Hook = MlpHook, Model = TestPaths.DefaultModel, OutDirectory = neuronRecords, Sampling = sampling });
        RecordsJob.Run(new RecordsJobOptions { Activations = activations, Sae = saeFolder, Model = TestPaths.DefaultModel, OutDirectory = latentRecords, Sampling = sampling });

        foreach (var (records, name) in new[] { (neuronRecords, "neurons"), (latentRecords, "latents") })
        {
            using var store = UnitRecordStore.Open(records);
            var pipeline = PipelineFactory.Create(ExplainerKind.Offline, SimulatorKind.Auto, JudgeKind.Auto, new PipelineOptions(), null);
            // The live units first: an explanation of a dead unit says little.
            var units = store.Summaries().Where(s => s.ActiveTokens > 0).Take(Explained).Select(s => s.Id).ToArray();
            new AutoInterpRunner(store, pipeline).RunAsync(units, Path.Combine(run, "autointerp", name), concurrency: 1).GetAwaiter().GetResult();
        }
        return new FixtureRun(runs);
    }
}
