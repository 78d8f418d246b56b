using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;

namespace Interp.AutoInterp.Import;

/// <summary>One imported explanation ready to score: as read, as the simulator and judge get it, and the pipeline it goes through.</summary>
public sealed record ScoreItem(ImportedExplanation Imported, Explanation Explanation, UnitPipeline Pipeline)
{
    /// <summary>Its line's key in results.jsonl (<see cref="UnitResult.Key"/>).</summary>
    public string Key => UnitResult.KeyOf(Imported.Unit.ToString(), Imported.Source, Explanation.Text);
}
