using Interp.AutoInterp.Batch;
using Interp.Core;

namespace Interp.AutoInterp.Import;

/// <summary>Which simulator predicts activations from an imported explanation.</summary>
public enum ImportSimulatorKind
{
    /// <summary>Pattern for explanations in Interp's pattern grammar; for other text the LLM when an endpoint is set, else lexical.</summary>
    Auto,
    /// <summary>The pattern simulator (<see cref="Simulate.PatternSimulator"/>).</summary>
    Pattern,
    /// <summary>The lexical baseline (<see cref="Simulate.LexicalSimulator"/>).</summary>
    Lexical,
    /// <summary>An LLM, expected values from log-probabilities.</summary>
    LlmLogProbs,
    /// <summary>An LLM writing the values back.</summary>
    LlmText,
}

/// <summary>
/// What <see cref="ScoreJob"/> scores and how: the explanations file or folder and its format, the simulator, and
/// <see cref="Scoring"/> — autointerp's own options for everything else (output folder, units, judge, scorers, splits,
/// concurrency, LLM, retrying failures), so that imported explanations are scored exactly as autointerp scores its own.
/// Of <see cref="Scoring"/>, the explainer and its records and the simulator are not used.
/// </summary>
public sealed record ScoreJobOptions
{
    /// <summary>The explanations: a file, or delphi's folder.</summary>
    public required string Explanations { get; init; }

    /// <summary><c>auto</c>, <c>interp</c>, <c>openai</c>, <c>delphi</c> or <c>neuronpedia</c>.</summary>
    public string Format { get; init; } = "auto";

    /// <summary><c>auto</c>, <c>pattern</c>, <c>lexical</c>, <c>llm-logprobs</c> or <c>llm-text</c>.</summary>
    public string Simulator { get; init; } = "auto";

    /// <summary>Everything else, as autointerp takes it.</summary>
    public required AutoInterpJobOptions Scoring { get; init; }

    /// <summary>The options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(Explanations) => "explanations",
        nameof(Format) => "explanations format",
        _ => AutoInterpJobOptions.Meaning(option),
    };

    /// <summary>The format chosen.</summary>
    public ExplanationFormat FormatKind =>
        ExplanationFormats.All.FirstOrDefault(f => string.Equals(f.Name, Format, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found
            ? found.Format
            : throw Refuse(n => $"{n(nameof(Format))} '{Format}': expected {string.Join(", ", ExplanationFormats.All.Select(f => f.Name))}");

    /// <summary>The simulator chosen.</summary>
    public ImportSimulatorKind SimulatorKind => Simulator.ToLowerInvariant() switch
    {
        "auto" => ImportSimulatorKind.Auto,
        "pattern" => ImportSimulatorKind.Pattern,
        "lexical" => ImportSimulatorKind.Lexical,
        "llm-logprobs" => ImportSimulatorKind.LlmLogProbs,
        "llm-text" => ImportSimulatorKind.LlmText,
        _ => throw Refuse(n => $"{n(nameof(Simulator))} '{Simulator}': expected auto, pattern, lexical, llm-logprobs, llm-text"),
    };

    /// <summary>Whether an LLM endpoint is set (by the option or <c>INTERP_LLM_ENDPOINT</c>), which makes <c>auto</c> simulate free text with the LLM.</summary>
    public bool EndpointSet => Scoring.LlmEndpoint is { Length: > 0 } || Environment.GetEnvironmentVariable("INTERP_LLM_ENDPOINT") is { Length: > 0 };

    /// <summary>Throws an <see cref="InvalidOptionException"/> for the first option out of range.</summary>
    public void Validate()
    {
        _ = (FormatKind, SimulatorKind);
        Scoring.Validate();
    }

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
