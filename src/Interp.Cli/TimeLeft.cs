using System.Diagnostics;

namespace Interp.Cli;

/// <summary>
/// A job's time left from its progress reports: the rate since the first report, so work an earlier run finished (a
/// resume) and start-up before the first report (loading a model) do not count as speed.
/// </summary>
internal sealed class TimeLeft
{
    private readonly Stopwatch _clock = new();
    private long _first;

    /// <summary>The estimate after a report of <paramref name="done"/> of <paramref name="total"/>; null until there is a rate.</summary>
    public TimeSpan? Update(long done, long total)
    {
        if (done >= total) return TimeSpan.Zero;
        if (!_clock.IsRunning)
        {
            _first = done;
            _clock.Start();
            return null;
        }
        var rate = (done - _first) / _clock.Elapsed.TotalSeconds;
        return rate > 0 ? TimeSpan.FromSeconds(Math.Min((total - done) / rate, TimeSpan.MaxValue.TotalSeconds / 2)) : null;
    }

    /// <summary>hh:mm:ss (days past 24 hours), or --:--:-- without an estimate.</summary>
    public static string Format(TimeSpan? left) => left is not { } t ? "--:--:--"
        : t.TotalHours >= 24 ? $"{(int)t.TotalDays}d {t:hh\\:mm\\:ss}" : t.ToString(@"hh\:mm\:ss");
}
