using Interp.Core.Records;

namespace Interp.AutoInterp.Explain;

/// <summary>Writes an explanation of a unit from its train-split records (and nothing else about its behaviour).</summary>
public interface IExplainer
{
    /// <summary>Short name used in results (<c>offline</c>, <c>llm</c>).</summary>
    string Name { get; }

    /// <summary>Explains <paramref name="unit"/> from <paramref name="train"/>, its train-split top records.</summary>
    Task<Explanation> ExplainAsync(UnitRecord unit, IReadOnlyList<ActivationRecord> train, CancellationToken cancellationToken);
}
