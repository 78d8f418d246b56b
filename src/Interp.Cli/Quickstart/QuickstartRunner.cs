using System.Diagnostics;
using System.Text.Json;
using Interp.Core;

namespace Interp.Cli.Quickstart;

/// <summary>The time one stage took in this run; <see cref="Skipped"/> when its output was already complete.</summary>
public sealed record StageTime(string Stage, double Seconds, bool Skipped);

/// <summary>
/// Runs the quickstart's stages in order through the same verbs a user would type, skipping each whose output is complete,
/// and stops at the first that fails (its own error line is already printed). Every stage resumes, so re-running picks up
/// where an interrupted or failed run stopped.
/// </summary>
public static class QuickstartRunner
{
    /// <returns>0 when every stage is complete; otherwise the failing verb's exit code.</returns>
    public static int Run(IReadOnlyList<QuickstartStage> stages, string runFolder, TextWriter log, List<StageTime> times)
    {
        var total = Stopwatch.StartNew();
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            log.WriteLine();
            log.WriteLine($"[{i + 1}/{stages.Count}] {stage.Name}: {stage.What}");
            if (stage.IsComplete())
            {
                log.WriteLine("      already complete: skipped");
                times.Add(new StageTime(stage.Name, 0, Skipped: true));
                continue;
            }
            log.WriteLine($"      $ {stage.CommandLine}");
            var clock = Stopwatch.StartNew();
            var code = CliApp.Run([.. stage.Arguments]);
            times.Add(new StageTime(stage.Name, clock.Elapsed.TotalSeconds, Skipped: false));
            SaveTimes(runFolder, times, total.Elapsed.TotalSeconds);
            if (code != 0)
            {
                Console.Error.WriteLine($"quickstart: stopped at step {i + 1} ({stage.Name}, exit code {code}); run the same quickstart command again to resume there");
                return code;
            }
            if (!stage.IsComplete())
                throw new InterpException($"quickstart: step {i + 1} ({stage.Name}) finished but its output is not complete; run the same quickstart command again");
        }
        SaveTimes(runFolder, times, total.Elapsed.TotalSeconds);
        return 0;
    }

    private static void SaveTimes(string runFolder, List<StageTime> times, double totalSeconds)
    {
        var document = new
        {
            total_seconds = Math.Round(totalSeconds, 1),
            stages = times.Select(t => new { stage = t.Stage, seconds = Math.Round(t.Seconds, 1), skipped = t.Skipped }),
        };
        AtomicFile.WriteAllText(new RunLayout(runFolder).QuickstartTimes, JsonSerializer.Serialize(document, JsonDefaults.Indented) + "\n");
    }
}
