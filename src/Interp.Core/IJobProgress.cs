namespace Interp.Core;

/// <summary>
/// What every library job reports as it runs. A job takes an <c>Action&lt;TProgress&gt;</c> (called on the job's own
/// thread) and a <see cref="CancellationToken"/>; cancelling stops it at its next safe point with an
/// <see cref="OperationCanceledException"/>, and what it finished is kept for a resume.
/// </summary>
public interface IJobProgress
{
    /// <summary>How far the job is, in its own unit (steps, tokens, units).</summary>
    long Done { get; }

    /// <summary>Where <see cref="Done"/> ends.</summary>
    long Total { get; }

    /// <summary>One plain line saying where the job stands, for logs and progress bars.</summary>
    string Describe();
}
