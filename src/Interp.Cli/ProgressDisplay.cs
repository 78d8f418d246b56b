using System.Diagnostics;
using Interp.Core;
using Spectre.Console;

namespace Interp.Cli;

/// <summary>
/// A job's progress on stderr, so stdout keeps the verb's output (and <c>--json</c> stays pure): a Spectre.Console bar
/// when stderr is a terminal; otherwise "VERB: line | ETA hh:mm:ss" every 5 seconds and once more when the job reaches
/// its total (logs and redirected output stay short). Nothing with <c>--quiet</c>.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="job"/>, handing it the progress callback that draws (one that draws nothing when <paramref name="quiet"/>).</summary>
    public static TResult Run<TProgress, TResult>(string verb, bool quiet, Func<Action<TProgress>, TResult> job)
        where TProgress : IJobProgress
    {
        if (quiet) return job(_ => { });
        // Interactive by stderr alone: Spectre's own test also asks whether stdout is redirected (`--json > file`).
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error), Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Yes,
        });
        var timeLeft = new TimeLeft();
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive)
        {
            var clock = Stopwatch.StartNew();
            var gate = new Lock();                                                   // jobs that report from several threads
            return job(p =>
            {
                lock (gate)
                {
                    var left = timeLeft.Update(p.Done, p.Total);
                    if (clock.Elapsed.TotalSeconds < 5 && p.Done < p.Total) return;
                    clock.Restart();
                    Console.Error.WriteLine($"{verb}: {p.Describe()} | ETA {TimeLeft.Format(left)}");
                }
            });
        }

        TResult result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting…", maxValue: 1);
                result = job(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = Markup.Escape($"{verb}: {p.Describe()}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }
}
