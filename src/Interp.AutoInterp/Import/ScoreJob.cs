using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Scoring explanations written elsewhere (<c>interp score</c>): <see cref="Prepare"/> validates the options, reads the
/// explanations and maps them onto the records' units, picks each one's simulator and judge, checks that the LLM
/// endpoint answers (when one is used) and builds the pipelines — autointerp's, with the imported explanation in place
/// of the explainer's — so a front end can say what will run; <see cref="Run"/> runs it (<see cref="ScoreRunner"/>).
/// Re-running the same job resumes.
/// </summary>
public sealed class ScoreJob : IDisposable
{
    private readonly IUnitRecordSource _source;
    private readonly LlmClient? _llm;

    private ScoreJob(IUnitRecordSource source, ScoreJobOptions options, ExplanationImport import, IReadOnlyList<ScoreItem> items, LlmClient? llm)
    {
        (_source, Options, Import, Items, _llm) = (source, options, import, items, llm);
    }

    /// <summary>The options as given.</summary>
    public ScoreJobOptions Options { get; }

    /// <summary>What was read: the explanations, malformed places, unknown units.</summary>
    public ExplanationImport Import { get; }

    /// <summary>The explanations to score, each with its pipeline.</summary>
    public IReadOnlyList<ScoreItem> Items { get; }

    /// <summary>Units in flight at once: as given, else <see cref="AutoInterpJobOptions.DefaultLlmConcurrency"/> with an LLM, else one per core.</summary>
    public int Concurrency => Options.Scoring.Concurrency ?? (_llm is not null ? AutoInterpJobOptions.DefaultLlmConcurrency : Environment.ProcessorCount);

    /// <summary>How many explanations each simulator gets, by its name.</summary>
    public IReadOnlyDictionary<string, int> Simulators =>
        Items.GroupBy(i => i.Pipeline.Simulator.Name).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Checks everything that can be checked before scoring <paramref name="source"/> (not owned by the job).</summary>
    /// <exception cref="InvalidOptionException">An option out of range, no unit selected, no LLM model named.</exception>
    /// <exception cref="InterpException">No explanation of a unit the records have; the LLM endpoint does not answer.</exception>
    public static ScoreJob Prepare(IUnitRecordSource source, ScoreJobOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var scoring = options.Scoring;
        var units = UnitFilter.Select(source.Units, scoring.Units).ToHashSet();
        var import = ExplanationImport.Read(options.Explanations, options.FormatKind, units);
        if (import.Explanations.Count == 0) throw new NothingToScoreException(import);

        var routes = import.Explanations.Select(e => Route(e, options)).ToList();
        var judged = (scoring.ScorerKinds & (ScorerKinds.Detection | ScorerKinds.Fuzzing)) != 0;
        var simulatesWithLlm = routes.Any(r => r.Kind is ImportSimulatorKind.LlmLogProbs or ImportSimulatorKind.LlmText);
        var usesLlm = (scoring.ScorerKinds.HasFlag(ScorerKinds.Correlation) && simulatesWithLlm)
                      || (judged && (scoring.JudgeKind == JudgeKind.Llm || (scoring.JudgeKind == JudgeKind.Auto && simulatesWithLlm)));
        LlmClient? llm = null;
        if (usesLlm)
        {
            var llmOptions = scoring.ResolveLlm();
            LlmEndpoint.EnsureReachableAsync(llmOptions, TimeSpan.FromSeconds(Math.Min(15, llmOptions.Timeout.TotalSeconds))).GetAwaiter().GetResult();
            llm = new LlmClient(llmOptions);
        }
        try
        {
            var pipelines = new Dictionary<ImportSimulatorKind, UnitPipeline>();
            var items = import.Explanations.Select((e, i) =>
            {
                var kind = routes[i].Kind;
                if (!pipelines.TryGetValue(kind, out var pipeline)) pipelines[kind] = pipeline = Pipeline(kind, scoring, llm);
                return new ScoreItem(e, routes[i].Explanation, pipeline);
            }).ToList();
            return new ScoreJob(source, options, import, items, llm);
        }
        catch
        {
            llm?.Dispose();
            throw;
        }
    }

    /// <summary>Scores into <see cref="AutoInterpJobOptions.OutDirectory"/>; cancelling stops between explanations and keeps what finished.</summary>
    public Task<ScoreOutcome> RunAsync(Action<ScoreProgress>? progress = null, CancellationToken cancellationToken = default) =>
        new ScoreRunner(_source, _llm).RunAsync(Items, Options.Scoring.OutDirectory, Concurrency, Options.Scoring.RetryFailed, progress, cancellationToken);

    /// <summary><see cref="RunAsync"/>, waited for.</summary>
    public ScoreOutcome Run(Action<ScoreProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Closes the LLM client.</summary>
    public void Dispose() => _llm?.Dispose();

    /// <summary>
    /// The simulator an explanation gets and the explanation as simulator and judge see it: with the pattern it carries
    /// or its sentence describes (<see cref="PatternGrammar"/>), or for the lexical baseline the tokens it names.
    /// </summary>
    private static (ImportSimulatorKind Kind, Explanation Explanation) Route(ImportedExplanation e, ScoreJobOptions options)
    {
        var pattern = e.Pattern ?? PatternGrammar.Parse(e.Text);
        var kind = options.SimulatorKind != ImportSimulatorKind.Auto ? options.SimulatorKind
            : pattern is not null ? ImportSimulatorKind.Pattern
            : options.EndpointSet ? ImportSimulatorKind.LlmLogProbs
            : ImportSimulatorKind.Lexical;
        return (kind, new Explanation(e.Text, kind == ImportSimulatorKind.Lexical ? LexicalPattern.Read(e.Text) : pattern));
    }

    private static UnitPipeline Pipeline(ImportSimulatorKind kind, AutoInterpJobOptions scoring, ILlmClient? llm)
    {
        ILlmClient Need(string what) => llm ?? throw new InterpException($"{what} needs an LLM client");
        ISimulator simulator = kind switch
        {
            ImportSimulatorKind.Pattern => new PatternSimulator(),
            ImportSimulatorKind.Lexical => new LexicalSimulator(),
            ImportSimulatorKind.LlmLogProbs => new LlmSimulator(Need("the llm-logprobs simulator"), logProbs: true),
            _ => new LlmSimulator(Need("the llm-text simulator"), logProbs: false),
        };
        IJudge? judge = null;
        if ((scoring.ScorerKinds & (ScorerKinds.Detection | ScorerKinds.Fuzzing)) != 0)
        {
            var llmJudge = scoring.JudgeKind == JudgeKind.Llm
                           || (scoring.JudgeKind == JudgeKind.Auto && kind is ImportSimulatorKind.LlmLogProbs or ImportSimulatorKind.LlmText);
            judge = llmJudge ? new LlmJudge(Need("the llm judge")) : new PatternJudge();
        }
        return new UnitPipeline(new ImportedExplainer(), simulator, judge, scoring.Pipeline);
    }
}
