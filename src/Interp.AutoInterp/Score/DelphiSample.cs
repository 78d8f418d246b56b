namespace Interp.AutoInterp.Score;

/// <summary>Which of delphi's yes/no tasks.</summary>
public enum DelphiTask
{
    /// <summary>Does the unit fire anywhere in this window?</summary>
    Detection,
    /// <summary>Are the marked tokens the ones the explanation describes?</summary>
    Fuzzing,
}

/// <summary>
/// One window shown to a judge: its tokens and true activations, whether it comes from the unit's activating windows,
/// the marked positions (fuzzing only: the truly active tokens in an activating window, as many random tokens in a
/// non-activating one), the right answer (<see cref="Truth"/>), and where the window lies in the store
/// (<see cref="Context"/> -1 for text that did not come from one).
/// </summary>
public sealed record DelphiSample(string[] Tokens, float[] Activations, bool Activating, int[] Marks, bool Truth, long Context = -1, int Start = 0);

/// <summary>A judge's answer for one sample, with its probability of "yes" when it has one.</summary>
public sealed record Judgement(bool Says, double? Probability);

/// <summary>A detection or fuzzing run: the scores, the samples and the judge's answers (same order).</summary>
public sealed record DelphiResult(ClassificationScores Scores, IReadOnlyList<DelphiSample> Samples, IReadOnlyList<Judgement> Judgements);
