using Interp.Circuits.Attribution;
using TorchSharp;

namespace Interp.Circuits.Tests.Attribution;

/// <summary>Native-memory leak guard (as Interp.Model.Tests' LeakTests): building graphs leaves no tensor behind.</summary>
public sealed class AttributionLeakTests
{
    [Fact]
    public void Building_graphs_complete_and_pruned_leaves_the_live_tensor_count_unchanged()
    {
        using var model = AttributionFixture.Model();
        var ids = AttributionFixture.Prompt(model);
        var transcoders = AttributionFixture.Transcoders(model, skip: true);
        AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions());                 // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions(Prune: i % 2 == 0));
            GraphPruning.Prune(AttributionGraphBuilder.Build(model, transcoders, ids[..8], new AttributionOptions(Prune: false)));
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
