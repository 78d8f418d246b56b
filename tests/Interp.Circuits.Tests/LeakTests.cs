namespace Interp.Circuits.Tests;

/// <summary>Each analysis leaves no tensor behind (TorchSharp's per-thread live count); runs on one thread.</summary>
public sealed class LeakTests
{
    [Fact]
    public void The_four_analyses_leave_the_live_tensor_count_unchanged()
    {
        using var model = Models.Load(Models.Fixture, Models.FoldAndCentre);
        int[] clean = [1, 2, 3, 4, 5], corrupt = [1, 9, 3, 4, 5];
        void All()
        {
            LogitLens.Run(model, clean);
            DirectLogitAttribution.Run(model, clean, 7);
            ActivationPatching.Run(model, clean, corrupt, 7, 8, PatchTarget.Z);
            ActivationPatching.Run(model, clean, corrupt, 7, 8, PatchTarget.ResidPre);
            AttentionPatterns.Run(model, clean);
        }
        All();                                                                                  // warm-up
        var before = Models.LiveTensors;
        for (var i = 0; i < 3; i++) All();
        Assert.Equal(before, Models.LiveTensors);
    }
}
