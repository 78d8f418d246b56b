using System.Text.Json.Serialization;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// One line of <c>results.jsonl</c>: a finished unit. <see cref="Status"/> is <c>ok</c> or <c>failed</c> (then
/// <see cref="Error"/> says why). Scores that are undefined are null. Nothing in it depends on timing, so a re-run
/// writes the same line.
/// </summary>
public sealed record UnitResult
{
    /// <summary>The unit id, <c>source/index</c>.</summary>
    public required string Unit { get; init; }
    /// <summary>Where an imported explanation came from (<c>interp score</c>); null for explanations the batch wrote itself.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }
    /// <summary><c>ok</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }
    /// <summary>Why the unit failed (one line).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
    /// <summary>Explainer name.</summary>
    public string? Explainer { get; init; }
    /// <summary>Simulator name.</summary>
    public string? Simulator { get; init; }
    /// <summary>Judge name, when detection or fuzzing ran.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Judge { get; init; }
    /// <summary>The explanation's text.</summary>
    public string? Explanation { get; init; }
    /// <summary>The offline explainer's pattern.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TokenPattern? Pattern { get; init; }
    /// <summary>Fraction of tokens where the unit is active (for frequency-weighted summaries).</summary>
    public double? Density { get; init; }
    /// <summary>The activation that 10 on the simulator's scale stands for (max over the train records).</summary>
    public double? ScaleMax { get; init; }
    /// <summary>The scores.</summary>
    public ResultScores? Scores { get; init; }
    /// <summary>The scored records (valid split, top and random 1:1): tokens, true and simulated values.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ScoredRecordResult>? Records { get; init; }
    /// <summary>Detection samples and the judge's answers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JudgedSample>? Detection { get; init; }
    /// <summary>Fuzzing samples and the judge's answers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JudgedSample>? Fuzzing { get; init; }

    /// <summary>True when <see cref="Status"/> is <c>ok</c>.</summary>
    [JsonIgnore]
    public bool Ok => Status == "ok";

    /// <summary>
    /// What a line stands for in a results file (a later line with the same key replaces it): the unit alone for
    /// explanations the batch wrote; the unit, source and explanation for imported ones, several to a unit.
    /// </summary>
    [JsonIgnore]
    public string Key => KeyOf(Unit, Source, Explanation);

    /// <summary>The <see cref="Key"/> of a line with these fields.</summary>
    public static string KeyOf(string unit, string? source, string? explanation) =>
        source is null ? unit : $"{unit}\u001f{source}\u001f{explanation}";

    /// <summary>The one-line reason a unit failed: the message of a failure the user can act on, else the exception's type and message.</summary>
    internal static string FailureReason(Exception e) => (e switch
    {
        Interp.AutoInterp.Llm.MalformedAnswerException or Interp.AutoInterp.Llm.LlmException or Interp.Core.InterpException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    }).Split('\n')[0];
}

/// <summary>A unit's scores; null members are undefined or were not asked for.</summary>
public sealed record ResultScores(
    double? Correlation,
    double? RSquared,
    double? AbsoluteDeviationExplained,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CalibratedScores? Calibrated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ClassificationScores? Detection,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ClassificationScores? Fuzzing);

/// <summary>R² and deviation with the calibration line <c>intercept + slope·p</c> fitted on the calibration split (null scores when no line could be fitted).</summary>
public sealed record CalibratedScores(double? RSquared, double? AbsoluteDeviationExplained, double? Intercept, double? Slope);

/// <summary>One scored record: where it came from, its tokens, true activations, and the simulator's 0–10 predictions.</summary>
public sealed record ScoredRecordResult(
    string Kind,
    long Context,
    int Start,
    string[] Tokens,
    float[] True,
    float[] Simulated,
    bool Changed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ValueDistribution?>? Distributions);

/// <summary>One detection or fuzzing sample as judged: activating or not, marks (fuzzing), right answer, the judge's answer and probability.</summary>
public sealed record JudgedSample(bool Activating, bool Truth, bool Says, double? Probability,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int[]? Marks);
