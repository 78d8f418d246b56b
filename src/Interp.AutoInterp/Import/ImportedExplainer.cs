using Interp.AutoInterp.Explain;
using Interp.Core.Records;

namespace Interp.AutoInterp.Import;

/// <summary>Stands in for the explainer in a pipeline that scores explanations written elsewhere: results name it <c>imported</c>; it writes nothing.</summary>
internal sealed class ImportedExplainer : IExplainer
{
    public string Name => "imported";

    public Task<Explanation> ExplainAsync(UnitRecord unit, IReadOnlyList<ActivationRecord> train, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("imported explanations are scored as given; nothing explains them here");
}
