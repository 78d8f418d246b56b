using Interp.AutoInterp.Explain;
using Interp.Core.Records;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// The offline baseline for free-text explanations: predicts 10 on every token the explanation names
/// (<see cref="LexicalPattern"/>) and 0 elsewhere. A floor to compare explanations by with no LLM, not a reading of them.
/// </summary>
public sealed class LexicalSimulator : ISimulator
{
    /// <inheritdoc />
    public string Name => "lexical";

    /// <inheritdoc />
    public Task<IReadOnlyList<SequenceSimulation>> SimulateAsync(Explanation explanation, IReadOnlyList<ActivationRecord> records, CancellationToken cancellationToken)
    {
        var compiled = new CompiledPattern(LexicalPattern.Read(explanation.Text));
        return Task.FromResult<IReadOnlyList<SequenceSimulation>>(records.Select(r => new SequenceSimulation(compiled.Predict(r.Tokens))).ToList());
    }
}
