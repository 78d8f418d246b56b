namespace Interp.Notebooks.Tests;

/// <summary>
/// Tests that build and run programs go one at a time: two builds of the repository's projects at once would write the
/// same obj/ folders, and each notebook run wants the machine's cores to itself.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeadlessCollection
{
    public const string Name = "headless runs";
}
