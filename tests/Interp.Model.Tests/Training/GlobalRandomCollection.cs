namespace Interp.Model.Tests.Training;

/// <summary>
/// Tests that seed libtorch's global generator (<c>manual_seed</c>, as <c>Gpt2Trainer</c> does before initialising a
/// model) and compare runs to the bit: they run alone, since any test drawing random numbers at the same time would
/// move the shared generator between the seed and the draws.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRandomCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "global random generator";
}
