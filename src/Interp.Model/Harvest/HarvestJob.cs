using Interp.Core.Hooks;

namespace Interp.Model.Harvest;

/// <summary>
/// A harvest (<c>interp harvest</c>, the quickstart): the corpus cut into contexts (<see cref="ContextBuilder"/>), then
/// the model's activations at some hooks stored by <see cref="Harvester"/>. Prepared first, so a front end can say what
/// will be harvested before the work starts; re-running a prepared job after a cancel or a kill resumes it.
/// </summary>
public sealed class HarvestJob
{
    private readonly Gpt2 _model;

    private HarvestJob(Gpt2 model, HarvestJobOptions options, IReadOnlyList<HookName> hooks, ContextSet contexts, HarvestOptions harvest)
    {
        (_model, Options, Hooks, Contexts, Harvest) = (model, options, hooks, contexts, harvest);
    }

    /// <summary>The options as given.</summary>
    public HarvestJobOptions Options { get; }

    /// <summary>The hooks, checked against the model, globs expanded (in the model's order, each hook once).</summary>
    public IReadOnlyList<HookName> Hooks { get; }

    /// <summary>The contexts to harvest.</summary>
    public ContextSet Contexts { get; }

    /// <summary>What <see cref="Harvester"/> is given.</summary>
    public HarvestOptions Harvest { get; }

    /// <summary>
    /// Validates <paramref name="options"/>, checks the hooks against <paramref name="model"/> (expanding globs such as
    /// <c>blocks.*.hook_resid_post</c>) and tokenises the corpus;
    /// <paramref name="warn"/> gets the tokenizer's notes.
    /// </summary>
    /// <exception cref="Core.InvalidOptionException">An option out of range.</exception>
    /// <exception cref="Core.InterpException">A bad hook name, a glob matching no hook, a bad corpus file (see <see cref="ContextBuilder.Tokenize"/>), or too short a corpus.</exception>
    public static HarvestJob Prepare(Gpt2 model, HarvestJobOptions options, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (k, n) = options.Split();
        var nLayers = model.Config.NLayer;
        var hooks = HookGlob.Expand(options.Hooks, HookName.All(nLayers).Where(Gpt2Config.IsPerToken).ToArray(), h => HookName.Parse(h, nLayers),
            (glob, closest) => HarvestJobOptions.Refuse(n => $"{n(nameof(HarvestJobOptions.Hooks))} '{glob}' matches no per-token hook of this model; the closest is {closest}"));
        var contexts = ContextBuilder.FromFiles(options.Corpus, model.RequireTokenizer(), options.Ctx, options.PrependBos, options.Tokens, warn, options.TextField);
        var harvest = new HarvestOptions
        {
            Hooks = hooks, OutDirectory = options.OutDirectory, BatchSize = options.Batch, Dtype = options.Dtype,
            ShardMegabytes = options.ShardMegabytes, ShardK = k, ShardN = n, Overwrite = options.Overwrite,
        };
        return new HarvestJob(model, options, hooks, contexts, harvest);
    }

    /// <summary>Harvests; cancelling stops after the current batch and keeps the finished shards for a resume.</summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public HarvestResult Run(Action<HarvestProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Harvester.Run(_model, Contexts, Harvest, progress, cancellationToken);
}
