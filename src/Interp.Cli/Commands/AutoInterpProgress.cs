using Interp.AutoInterp.Batch;
using Interp.Core.Records;
using Spectre.Console;

namespace Interp.Cli.Commands;

/// <summary>
/// Runs a batch with progress: a Spectre.Console bar (units/s, failures, LLM requests and tokens) on a terminal, a plain
/// line every 5 s otherwise. Ctrl+C stops between units (finished units are kept).
/// </summary>
internal static class AutoInterpProgress
{
    public static BatchOutcome Run(AutoInterpJob job, TextWriter log, bool interactive)
    {
        using var ctrlC = new CtrlC();
        if (interactive && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            BatchOutcome? outcome = null;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("autointerp", maxValue: Math.Max(1, job.Units.Count));
                    outcome = job.RunAsync(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done + p.Failed;
                        task.Description = Markup.Escape(Line(p));
                    }, ctrlC.Token).GetAwaiter().GetResult();
                    task.Value = task.MaxValue;
                });
            return outcome!;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = job.RunAsync(p =>
        {
            if (clock.Elapsed.TotalSeconds < 5) return;
            clock.Restart();
            log.WriteLine("autointerp: " + p.Describe());
        }, ctrlC.Token).GetAwaiter().GetResult();
        log.WriteLine("autointerp: " + result.Progress.Describe());
        return result;
    }

    private static string Line(BatchProgress p) =>
        $"{p.Done + p.Failed}/{p.Total} units, {p.UnitsPerSecond:F1}/s, {p.Failed} failed" +
        (p.LlmRequests + p.CacheHits > 0 ? $", LLM {p.LlmRequests} req ({p.CacheHits} cached, {p.Retries} retries), {p.InputTokens + p.OutputTokens:N0} tokens" : "");
}
