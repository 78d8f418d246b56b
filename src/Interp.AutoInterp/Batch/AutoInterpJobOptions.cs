using Interp.AutoInterp.Llm;
using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>What <see cref="AutoInterpJob"/> runs over a unit record source, with its defaults.</summary>
public sealed record AutoInterpJobOptions
{
    private static readonly PipelineOptions PipelineDefaults = new();
    private static readonly LlmOptions LlmDefaults = new() { Endpoint = "", Model = "" };

    /// <summary>Units in flight at once with an LLM (without one: a unit per core).</summary>
    public const int DefaultLlmConcurrency = 8;

    /// <summary>The output folder: results.jsonl, summary.json, openai_explanations.jsonl, cache/.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>Which units: <c>all</c>, <c>0-4095</c>, <c>3,7,10-20</c> or source/index ids (<see cref="UnitFilter"/>).</summary>
    public string Units { get; init; } = "all";

    /// <summary>
    /// This machine's part <c>K/N</c> of the selected <see cref="Units"/> (contiguous, balanced ranges; see
    /// <see cref="WorkSplit"/>): a part's folder gets an <see cref="AutoInterpPart"/> file, and <see cref="AutoInterpMerger"/> joins the parts.
    /// </summary>
    public string Shard { get; init; } = "1/1";

    /// <summary>Where the unit records come from (a folder), kept in a part's file to tell parts of one job apart; null: records in memory.</summary>
    public string? Records { get; init; }

    /// <summary><c>offline</c> (N2G-style pattern, no LLM) or <c>llm</c>.</summary>
    public string Explainer { get; init; } = "offline";

    /// <summary><c>auto</c>, <c>pattern</c>, <c>llm-logprobs</c> or <c>llm-text</c>.</summary>
    public string Simulator { get; init; } = "auto";

    /// <summary>The detection/fuzzing judge: <c>auto</c>, <c>pattern</c> or <c>llm</c>.</summary>
    public string Judge { get; init; } = "auto";

    /// <summary>Comma-separated: correlation, detection, fuzzing.</summary>
    public string Scorers { get; init; } = "correlation";

    /// <summary>Units in flight at once; null: <see cref="DefaultLlmConcurrency"/> with an LLM, else one per core.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Records per split (OpenAI's n_examples_per_split); null: as many as divide evenly.</summary>
    public int? ExamplesPerSplit { get; init; }

    /// <summary>Train records shown to the LLM explainer.</summary>
    public int LlmExplainRecords { get; init; } = 5;

    /// <summary>Also report R² and deviation after a linear calibration on the calibration split.</summary>
    public bool Calibrate { get; init; }

    /// <summary>Activating and non-activating windows each for detection and fuzzing.</summary>
    public int DelphiExamples { get; init; } = PipelineDefaults.DelphiPerClass;

    /// <summary>The OpenAI-compatible base URL; null: <c>INTERP_LLM_ENDPOINT</c>, else <see cref="LlmOptions.DefaultEndpoint"/>.</summary>
    public string? LlmEndpoint { get; init; }

    /// <summary>The LLM's model name; null: <c>INTERP_LLM_MODEL</c>.</summary>
    public string? LlmModel { get; init; }

    /// <summary>Seconds before an LLM request is abandoned and retried.</summary>
    public double LlmTimeoutSeconds { get; init; } = LlmDefaults.Timeout.TotalSeconds;

    /// <summary>Attempts per LLM request (429, 5xx and timeouts are retried with back-off).</summary>
    public int LlmMaxAttempts { get; init; } = LlmDefaults.MaxAttempts;

    /// <summary>Run again the units a previous run marked failed.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Explainer) => "explainer",
        nameof(Simulator) => "simulator",
        nameof(Judge) => "judge",
        nameof(ExamplesPerSplit) => "records per split",
        nameof(LlmExplainRecords) => "records shown to the LLM explainer",
        nameof(DelphiExamples) => "detection and fuzzing windows per class",
        nameof(LlmTimeoutSeconds) => "LLM request timeout (s)",
        nameof(LlmMaxAttempts) => "attempts per LLM request",
        nameof(LlmEndpoint) or nameof(LlmModel) => LlmOptions.Meaning(option),
        nameof(OutDirectory) => OutputPath.Meaning(option),
        _ => PipelineFactory.Meaning(option),
    };

    /// <summary>The explainer chosen.</summary>
    public ExplainerKind ExplainerKind => Choose(Explainer, nameof(Explainer), ("offline", ExplainerKind.Offline), ("llm", ExplainerKind.Llm));

    /// <summary>The simulator chosen.</summary>
    public SimulatorKind SimulatorKind => Choose(Simulator, nameof(Simulator), ("auto", SimulatorKind.Auto), ("pattern", SimulatorKind.Pattern),
        ("llm-logprobs", SimulatorKind.LlmLogProbs), ("llm-text", SimulatorKind.LlmText));

    /// <summary>The judge chosen.</summary>
    public JudgeKind JudgeKind => Choose(Judge, nameof(Judge), ("auto", JudgeKind.Auto), ("pattern", JudgeKind.Pattern), ("llm", JudgeKind.Llm));

    /// <summary>The scores chosen.</summary>
    public ScorerKinds ScorerKinds => PipelineFactory.ParseScorers(Scorers);

    /// <summary>The part <see cref="Shard"/> names.</summary>
    public WorkSplit Split => WorkSplit.Parse(Shard);

    /// <summary>Whether any part of the pipeline calls an LLM.</summary>
    public bool UsesLlm => PipelineFactory.UsesLlm(ExplainerKind, SimulatorKind, JudgeKind, ScorerKinds);

    /// <summary>Units in flight at once, the default resolved.</summary>
    public int ResolvedConcurrency => Concurrency ?? (UsesLlm ? DefaultLlmConcurrency : Environment.ProcessorCount);

    /// <summary>How each unit is explained, simulated and scored.</summary>
    public PipelineOptions Pipeline => new(ScorerKinds, ExamplesPerSplit, Calibrate, AtLeastOne(DelphiExamples, nameof(DelphiExamples)));

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range that needs no records to tell.</summary>
    public void Validate()
    {
        _ = (ExplainerKind, SimulatorKind, JudgeKind, ScorerKinds, Pipeline, Split);   // each parsed, in this order
        if (ExamplesPerSplit is <= 0) throw Refuse(n => $"{n(nameof(ExamplesPerSplit))} {ExamplesPerSplit}: must be at least 1");
        AtLeastOne(ResolvedConcurrency, nameof(Concurrency));
    }

    /// <summary>The LLM client's options: these, then the environment (<see cref="LlmOptions.Resolve"/>).</summary>
    public LlmOptions ResolveLlm()
    {
        var resolved = LlmOptions.Resolve(LlmEndpoint, LlmModel);
        if (!(LlmTimeoutSeconds > 0)) throw Refuse(n => $"{n(nameof(LlmTimeoutSeconds))} {LlmTimeoutSeconds}: must be positive");
        return resolved with
        {
            Timeout = TimeSpan.FromSeconds(LlmTimeoutSeconds),
            MaxAttempts = AtLeastOne(LlmMaxAttempts, nameof(LlmMaxAttempts)),
            CacheDirectory = Path.Combine(OutDirectory, "cache"),
        };
    }

    internal static int AtLeastOne(int value, string option) => value >= 1 ? value : throw Refuse(n => $"{n(option)} {value}: must be at least 1");

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    private static T Choose<T>(string value, string option, params (string Name, T Kind)[] choices)
    {
        foreach (var (name, kind) in choices)
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase)) return kind;
        throw Refuse(n => $"{n(option)} '{value}': expected {string.Join(", ", choices.Select(c => c.Name))}");
    }
}
