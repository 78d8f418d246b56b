using System.Diagnostics;
using Interp.Core;
using Spectre.Console;

namespace Interp.Cli;

/// <summary>
/// A job's progress on the console: a Spectre.Console bar on a terminal; otherwise "VERB: line" every 5 seconds and once
/// more when the job reaches its total (logs and redirected output stay short).
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="job"/>, handing it the progress callback that draws.</summary>
    public static TResult Run<TProgress, TResult>(string verb, TextWriter log, bool interactive, Func<Action<TProgress>, TResult> job)
        where TProgress : IJobProgress
    {
        if (!interactive)
        {
            var clock = Stopwatch.StartNew();
            return job(p =>
            {
                if (clock.Elapsed.TotalSeconds < 5 && p.Done < p.Total) return;
                clock.Restart();
                log.WriteLine($"{verb}: {p.Describe()}");
            });
        }

        TResult result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting…", maxValue: 1);
                result = job(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape(p.Describe());
                });
                task.Value = task.MaxValue;
            });
        return result;
    }
}
