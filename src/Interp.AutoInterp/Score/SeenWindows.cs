using Interp.Core.Records;

namespace Interp.AutoInterp.Score;

/// <summary>
/// The windows the explainer saw, to keep them out of everything scored. A window shares text with a seen one when both
/// come from the same context of the store and their positions overlap (records cut the same window again as a distinct
/// object, e.g. a sparse unit's random activating window around the same peak as a top window), or, for windows with no
/// location, when tokens and activations are identical.
/// </summary>
public sealed class SeenWindows
{
    private readonly Dictionary<long, List<(int Start, int End)>> _located = [];
    private readonly List<ActivationRecord> _unlocated = [];

    /// <summary>The windows in <paramref name="seen"/>.</summary>
    public SeenWindows(IEnumerable<ActivationRecord> seen)
    {
        ArgumentNullException.ThrowIfNull(seen);
        foreach (var record in seen) Add(record);
    }

    /// <summary>Adds <paramref name="record"/> to the windows seen.</summary>
    public void Add(ActivationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Context < 0) _unlocated.Add(record);
        else
        {
            if (!_located.TryGetValue(record.Context, out var spans)) _located[record.Context] = spans = [];
            spans.Add((record.Start, record.Start + record.Activations.Length));
        }
    }

    /// <summary>True when <paramref name="record"/> shares any token position (or, unlocated, all its content) with a seen window.</summary>
    public bool Shares(ActivationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Context >= 0)
        {
            var (start, end) = (record.Start, record.Start + record.Activations.Length);
            return _located.TryGetValue(record.Context, out var spans) && spans.Any(s => s.Start < end && start < s.End);
        }
        return _unlocated.Any(s => ReferenceEquals(s, record)
            || (s.Tokens.AsSpan().SequenceEqual(record.Tokens) && s.Activations.AsSpan().SequenceEqual(record.Activations)));
    }
}
