using Interp.AutoInterp.Explain;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// The offline simulator: applies an explanation's <see cref="TokenPattern"/> to each record (most specific matching
/// rule wins). An explanation without a pattern (an LLM's) is read for quoted tokens with
/// <see cref="PatternFromText"/>, so that any explanation can be scored with no LLM, if crudely.
/// </summary>
public sealed class PatternSimulator : ISimulator
{
    /// <inheritdoc />
    public string Name => "pattern";

    /// <inheritdoc />
    public Task<IReadOnlyList<SequenceSimulation>> SimulateAsync(Explanation explanation, IReadOnlyList<ActivationRecord> records, CancellationToken cancellationToken) =>
        Task.FromResult(Simulate(explanation, records));

    /// <summary>Synchronous form of <see cref="SimulateAsync"/>.</summary>
    public static IReadOnlyList<SequenceSimulation> Simulate(Explanation explanation, IReadOnlyList<ActivationRecord> records)
    {
        var compiled = Compile(explanation);
        return records.Select(r => new SequenceSimulation(compiled.Predict(r.Tokens))).ToList();
    }

    /// <summary>The explanation's pattern, or one read from its text, compiled.</summary>
    public static CompiledPattern Compile(Explanation explanation) =>
        new(explanation.Pattern ?? PatternFromText.Read(explanation.Text)
            ?? throw new InterpException($"explanation '{Truncate(explanation.Text)}': the pattern simulator needs a pattern or quoted tokens"));

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
