using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;
using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>Builds the <see cref="UnitPipeline"/> that the chosen explainer, simulator, judge and scorers make up.</summary>
public static class PipelineFactory
{
    /// <summary>
    /// The pipeline; <paramref name="llm"/> is required when any part uses an LLM (else one
    /// <see cref="InterpException"/> line says which part needs it).
    /// </summary>
    public static UnitPipeline Create(ExplainerKind explainer, SimulatorKind simulator, JudgeKind judge, PipelineOptions options,
        ILlmClient? llm, int llmExplainRecords = 5)
    {
        ILlmClient Need(string what) => llm ?? throw LlmOptions.Refuse(o =>
            $"{what} needs an LLM endpoint ({o(LlmOptions.EndpointOption)} / INTERP_LLM_ENDPOINT and {o(LlmOptions.ModelOption)} / INTERP_LLM_MODEL)");

        IExplainer e = explainer == ExplainerKind.Offline ? new PatternExplainer() : new LlmExplainer(Need("the llm explainer"), llmExplainRecords);
        var simulatorKind = simulator != SimulatorKind.Auto ? simulator : explainer == ExplainerKind.Offline ? SimulatorKind.Pattern : SimulatorKind.LlmLogProbs;
        ISimulator s = simulatorKind switch
        {
            SimulatorKind.Pattern => new PatternSimulator(),
            SimulatorKind.LlmLogProbs => new LlmSimulator(Need("the llm-logprobs simulator"), logProbs: true),
            _ => new LlmSimulator(Need("the llm-text simulator"), logProbs: false),
        };
        IJudge? j = null;
        if ((options.Scorers & (ScorerKinds.Detection | ScorerKinds.Fuzzing)) != 0)
        {
            var judgeKind = judge != JudgeKind.Auto ? judge : explainer == ExplainerKind.Offline ? JudgeKind.Pattern : JudgeKind.Llm;
            j = judgeKind == JudgeKind.Pattern ? new PatternJudge() : new LlmJudge(Need("the llm judge"));
        }
        return new UnitPipeline(e, s, j, options);
    }

    /// <summary>Whether any part of the pipeline would call an LLM.</summary>
    public static bool UsesLlm(ExplainerKind explainer, SimulatorKind simulator, JudgeKind judge, ScorerKinds scorers) =>
        explainer == ExplainerKind.Llm
        || simulator is SimulatorKind.LlmLogProbs or SimulatorKind.LlmText
        || (simulator == SimulatorKind.Auto && explainer == ExplainerKind.Llm && scorers.HasFlag(ScorerKinds.Correlation))
        || ((scorers & (ScorerKinds.Detection | ScorerKinds.Fuzzing)) != 0 && (judge == JudgeKind.Llm || (judge == JudgeKind.Auto && explainer == ExplainerKind.Llm)));

    /// <summary>A batch run's options (by property name: Scorers, Units, Concurrency) by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        "Scorers" => "scorers",
        "Units" => "units",
        "Concurrency" => "units in flight",
        _ => option,
    };

    /// <summary>A batch run's option refused, named by <see cref="Meaning"/> unless a front end renames it.</summary>
    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    /// <summary>Parses <c>correlation,detection,fuzzing</c> (any subset, comma-separated).</summary>
    public static ScorerKinds ParseScorers(string text)
    {
        var kinds = ScorerKinds.None;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            kinds |= part.ToLowerInvariant() switch
            {
                "correlation" => ScorerKinds.Correlation,
                "detection" => ScorerKinds.Detection,
                "fuzzing" => ScorerKinds.Fuzzing,
                _ => throw Refuse(n => $"{n("Scorers")} '{part}': expected correlation, detection or fuzzing (comma-separated)"),
            };
        if (kinds == ScorerKinds.None) throw Refuse(n => $"{n("Scorers")} '{text}': name at least one of correlation, detection, fuzzing");
        return kinds;
    }
}
