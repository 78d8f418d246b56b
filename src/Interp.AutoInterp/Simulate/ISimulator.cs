using Interp.AutoInterp.Explain;
using Interp.Core.Records;

namespace Interp.AutoInterp.Simulate;

/// <summary>Predicts a unit's activations on records from an explanation alone (0–10 scale per token).</summary>
public interface ISimulator
{
    /// <summary>Short name used in results (<c>pattern</c>, <c>llm-logprobs</c>, <c>llm-text</c>).</summary>
    string Name { get; }

    /// <summary>One simulation per record, in order.</summary>
    Task<IReadOnlyList<SequenceSimulation>> SimulateAsync(Explanation explanation, IReadOnlyList<ActivationRecord> records, CancellationToken cancellationToken);
}
