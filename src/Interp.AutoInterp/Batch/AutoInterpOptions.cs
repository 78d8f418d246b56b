namespace Interp.AutoInterp.Batch;

/// <summary>Which explainer writes the explanations.</summary>
public enum ExplainerKind
{
    /// <summary>The offline N2G-style pattern explainer (no LLM).</summary>
    Offline,
    /// <summary>An LLM through an OpenAI-compatible endpoint.</summary>
    Llm,
}

/// <summary>Which simulator predicts activations from an explanation.</summary>
public enum SimulatorKind
{
    /// <summary>The pattern simulator for the offline explainer, the LLM with log-probabilities for the LLM explainer.</summary>
    Auto,
    /// <summary>The pattern simulator (offline).</summary>
    Pattern,
    /// <summary>An LLM, expected values from log-probabilities (written values where the endpoint gives none).</summary>
    LlmLogProbs,
    /// <summary>An LLM writing the values back, no log-probabilities.</summary>
    LlmText,
}

/// <summary>Which judge answers delphi's detection and fuzzing questions.</summary>
public enum JudgeKind
{
    /// <summary>The pattern judge for the offline explainer, the LLM judge for the LLM explainer.</summary>
    Auto,
    /// <summary>The pattern judge (offline).</summary>
    Pattern,
    /// <summary>An LLM judge.</summary>
    Llm,
}

/// <summary>Which scores to compute.</summary>
[Flags]
public enum ScorerKinds
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>OpenAI's simulation scores: correlation, R², absolute deviation explained.</summary>
    Correlation = 1,
    /// <summary>Delphi's detection.</summary>
    Detection = 2,
    /// <summary>Delphi's fuzzing.</summary>
    Fuzzing = 4,
}

/// <summary>How each unit is explained, simulated and scored.</summary>
/// <param name="Scorers">Which scores.</param>
/// <param name="ExamplesPerSplit">Records per split (OpenAI's <c>n_examples_per_split</c>); null: as many as divide evenly.</param>
/// <param name="Calibrate">Also fit a linear calibration on the calibration split and report calibrated R² and deviation.</param>
/// <param name="DelphiPerClass">Activating and non-activating windows each for detection and fuzzing.</param>
/// <param name="DelphiWindowTokens">Tokens per detection/fuzzing window (delphi: 32).</param>
public sealed record PipelineOptions(
    ScorerKinds Scorers = ScorerKinds.Correlation,
    int? ExamplesPerSplit = null,
    bool Calibrate = false,
    int DelphiPerClass = 20,
    int DelphiWindowTokens = 32);
