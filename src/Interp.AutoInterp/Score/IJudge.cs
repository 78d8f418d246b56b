using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Score;

/// <summary>Answers delphi's detection or fuzzing question for each sample, from the explanation alone.</summary>
public interface IJudge
{
    /// <summary>Short name used in results (<c>pattern</c>, <c>llm</c>).</summary>
    string Name { get; }

    /// <summary>One judgement per sample, in order.</summary>
    Task<IReadOnlyList<Judgement>> JudgeAsync(Explanation explanation, IReadOnlyList<DelphiSample> samples, DelphiTask task, CancellationToken cancellationToken);
}
