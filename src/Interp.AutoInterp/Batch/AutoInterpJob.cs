using Interp.AutoInterp.Llm;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Explaining, simulating and scoring units in batch (<c>interp autointerp</c>, the quickstart): <see cref="Prepare"/>
/// validates the options, selects the units, checks that the LLM endpoint answers (when a part uses one) and builds the
/// pipeline, so a front end can say what will run before the work starts; <see cref="Run"/> runs it
/// (<see cref="AutoInterpRunner"/>). Re-running the same job resumes: finished units are skipped.
/// </summary>
public sealed class AutoInterpJob : IDisposable
{
    private readonly IUnitRecordSource _source;
    private readonly LlmClient? _llm;

    private readonly AutoInterpPart? _part;

    private AutoInterpJob(IUnitRecordSource source, AutoInterpJobOptions options, IReadOnlyList<UnitId> units, UnitPipeline pipeline, LlmClient? llm,
        AutoInterpPart? part)
    {
        (_source, Options, Units, Pipeline, _llm, _part) = (source, options, units, pipeline, llm, part);
    }

    /// <summary>The options as given.</summary>
    public AutoInterpJobOptions Options { get; }

    /// <summary>The units selected (this part's, when split), in the source's order.</summary>
    public IReadOnlyList<UnitId> Units { get; }

    /// <summary>The explainer, simulator, judge and scorers every unit goes through.</summary>
    public UnitPipeline Pipeline { get; }

    /// <summary>Units in flight at once.</summary>
    public int Concurrency => Options.ResolvedConcurrency;

    /// <summary>Checks everything that can be checked before the batch runs over <paramref name="source"/> (not owned by the job).</summary>
    /// <exception cref="Core.InvalidOptionException">An option out of range, no unit selected, no LLM model named.</exception>
    /// <exception cref="Core.InterpException">The LLM endpoint does not answer or refuses the key.</exception>
    public static AutoInterpJob Prepare(IUnitRecordSource source, AutoInterpJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var selected = UnitFilter.Select(source.Units, options.Units);
        var split = options.Split;
        var units = split.Take(selected);
        LlmClient? llm = null;
        if (options.UsesLlm)
        {
            var llmOptions = options.ResolveLlm();
            LlmEndpoint.EnsureReachableAsync(llmOptions, TimeSpan.FromSeconds(Math.Min(15, llmOptions.Timeout.TotalSeconds))).GetAwaiter().GetResult();
            llm = new LlmClient(llmOptions);
        }
        try
        {
            var explainRecords = AutoInterpJobOptions.AtLeastOne(options.LlmExplainRecords, nameof(options.LlmExplainRecords));
            var pipeline = PipelineFactory.Create(options.ExplainerKind, options.SimulatorKind, options.JudgeKind, options.Pipeline, llm, explainRecords);
            var part = split.IsWhole ? null : AutoInterpPart.Of(options, split, selected.Count, units);
            return new AutoInterpJob(source, options, units, pipeline, llm, part);
        }
        catch
        {
            llm?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the batch into <see cref="AutoInterpJobOptions.OutDirectory"/>; <paramref name="progress"/> is called after every
    /// unit. Cancelling stops between units: the outcome then has <see cref="BatchOutcome.Cancelled"/> set, and the
    /// finished units are kept for a resume.
    /// </summary>
    public Task<BatchOutcome> RunAsync(Action<BatchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _part?.Save(Options.OutDirectory);                                             // says which part this folder is, for the merge
        return new AutoInterpRunner(_source, Pipeline, _llm).RunAsync(Units, Options.OutDirectory, Concurrency, Options.RetryFailed, progress, cancellationToken);
    }

    /// <summary><see cref="RunAsync"/>, waited for.</summary>
    public BatchOutcome Run(Action<BatchProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Closes the LLM client.</summary>
    public void Dispose() => _llm?.Dispose();
}
