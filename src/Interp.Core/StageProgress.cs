namespace Interp.Core;

/// <summary>
/// Progress of a stage whose work is one count (contexts, shards, bytes), for jobs that need no record of their own:
/// <paramref name="Done"/> of <paramref name="Total"/>, and <paramref name="Line"/> saying where it stands in the stage's words.
/// </summary>
public sealed record StageProgress(long Done, long Total, string Line) : IJobProgress
{
    /// <inheritdoc/>
    public string Describe() => Line;
}
