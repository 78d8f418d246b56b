using System.Diagnostics;

namespace Interp.Model.Benchmarks;

/// <summary>Times a piece of work: a warm-up call, then as many calls as fit in the time budget (at least 3).</summary>
public static class Throughput
{
    /// <returns>seconds per call (median of the timed calls; machines here are noisy).</returns>
    public static double SecondsPerCall(Action work, double budgetSeconds)
    {
        work();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || total.Elapsed.TotalSeconds < budgetSeconds)
        {
            var one = Stopwatch.StartNew();
            work();
            times.Add(one.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
