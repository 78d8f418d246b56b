using System.CommandLine;
using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Import;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp score --records DIR --explanations FILE|DIR [--format auto|interp|openai|delphi|neuronpedia]
/// [--scorer correlation,detection,fuzzing] [--simulator auto|pattern|lexical|llm-logprobs|llm-text] --out DIR</c>:
/// simulates and scores explanations written elsewhere, any number per unit, on the units' held-out records exactly as
/// <c>autointerp</c> does; <c>OUT/results.jsonl</c> (re-running resumes), <c>summary.json</c> per source and <c>ranking.jsonl</c>.
/// Malformed lines and unknown units are warnings; exit code 1 only when nothing could be scored.
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var (json, quiet, defaults) = (CommonOptions.Json(), CommonOptions.Quiet(), new AutoInterpJobOptions { OutDirectory = "" });
        var records = new Option<string>("--records") { Description = "Unit records: a folder written by `interp records` (records.db), or one holding units.jsonl", Required = true };
        var explanations = new Option<string>("--explanations") { Description = "The explanations: a file (JSON lines, .jsonl.gz, a JSON array), or delphi's folder, or OpenAI's <layer>/<neuron>.jsonl folder", Required = true };
        var format = new Option<string>("--format") { Description = "auto, interp, openai, delphi or neuronpedia", DefaultValueFactory = _ => "auto" };
        var units = new Option<string>("--units") { Description = "Score only these units: all, 0-4095, 3,7,10-20, or source/index ids", DefaultValueFactory = _ => defaults.Units };
        var simulator = new Option<string>("--simulator") { Description = "auto, pattern, lexical, llm-logprobs or llm-text (auto: pattern for Interp patterns, else the LLM when an endpoint is set, else lexical)", DefaultValueFactory = _ => "auto" };
        var judge = new Option<string>("--judge") { Description = "Detection/fuzzing judge: auto (llm for LLM-simulated explanations, else pattern), pattern or llm", DefaultValueFactory = _ => defaults.Judge };
        var scorer = new Option<string>("--scorer") { Description = "Comma-separated: correlation, detection, fuzzing", DefaultValueFactory = _ => defaults.Scorers };
        var concurrency = new Option<int?>("--concurrency") { Description = $"Units in flight at once (default: cores offline, {AutoInterpJobOptions.DefaultLlmConcurrency} with an LLM)" };
        var output = new Option<string>("--out") { Description = "Output folder: results.jsonl, summary.json, ranking.jsonl, cache/", Required = true };
        var perSplit = new Option<int?>("--examples-per-split") { Description = "Records per split (as autointerp; default: as many as divide evenly)" };
        var calibrate = new Option<bool>("--calibrate") { Description = "Also report R² and deviation after a linear calibration on the calibration split" };
        var delphi = new Option<int>("--delphi-examples") { Description = "Activating and non-activating windows each for detection and fuzzing", DefaultValueFactory = _ => defaults.DelphiExamples };
        var endpoint = new Option<string?>("--llm-endpoint") { Description = "OpenAI-compatible base URL (default: INTERP_LLM_ENDPOINT); setting one simulates free text with the LLM" };
        var model = new Option<string?>("--llm-model") { Description = "Model name (default: INTERP_LLM_MODEL)" };
        var timeout = new Option<double>("--llm-timeout") { Description = "Seconds before a request is abandoned and retried", DefaultValueFactory = _ => defaults.LlmTimeoutSeconds };
        var attempts = new Option<int>("--llm-max-attempts") { Description = "Attempts per request (429, 5xx and timeouts are retried with back-off)", DefaultValueFactory = _ => defaults.LlmMaxAttempts };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Score again the explanations a previous run marked failed" };
        var command = new Command("score", "Score explanations from elsewhere (Interp, OpenAI, delphi, Neuronpedia; several per unit) on the records, as autointerp scores its own; resumable")
        {
            records, explanations, format, units, simulator, judge, scorer, concurrency, output, perSplit, calibrate, delphi,
            endpoint, model, timeout, attempts, retryFailed, json, quiet,
        };
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var options = new ScoreJobOptions
            {
                Explanations = parse.GetValue(explanations)!, Format = parse.GetValue(format)!, Simulator = parse.GetValue(simulator)!,
                Scoring = new AutoInterpJobOptions
                {
                    OutDirectory = parse.GetValue(output)!, Units = parse.GetValue(units)!, Judge = parse.GetValue(judge)!, Scorers = parse.GetValue(scorer)!,
                    Concurrency = parse.GetValue(concurrency), ExamplesPerSplit = parse.GetValue(perSplit), Calibrate = parse.GetValue(calibrate),
                    DelphiExamples = parse.GetValue(delphi), LlmEndpoint = parse.GetValue(endpoint), LlmModel = parse.GetValue(model),
                    LlmTimeoutSeconds = parse.GetValue(timeout), LlmMaxAttempts = parse.GetValue(attempts), RetryFailed = parse.GetValue(retryFailed),
                },
            };
            options.Validate();                                                             // before the records are opened
            var outDir = options.Scoring.OutDirectory;
            var source = RecordSourceOpener.Open(parse.GetValue(records)!);
            try
            {
                ScoreJob job;
                try
                {
                    job = ScoreJob.Prepare(source, options);
                }
                catch (NothingToScoreException e)
                {
                    Warn(e.Import);                                                         // why nothing could be scored, line by line
                    throw;
                }
                using (job)
                {
                    var import = job.Import;
                    log.WriteLine($"score: {Plural(import.Explanations.Count, "explanation")} of {Plural(import.Units, "unit")} ({ExplanationFormats.NameOf(import.Format)}, {import.Path}), " +
                                  $"simulators {string.Join(", ", job.Simulators.Select(s => $"{s.Key} {s.Value}"))}, scorers {options.Scoring.Scorers}, concurrency {job.Concurrency} → {outDir}");
                    Warn(import);
                    using var ctrlC = new CtrlC();                                          // stops between explanations; finished ones are kept
                    var outcome = ProgressDisplay.Run<ScoreProgress, ScoreOutcome>("score", parse.GetValue(quiet), progress => job.Run(progress, ctrlC.Token));
                    if (asJson)
                        JsonOutput.Write(w =>
                        {
                            w.WriteString("out", outDir);
                            w.WriteString("format", ExplanationFormats.NameOf(import.Format));
                            w.WriteNumber("selected", outcome.Selected);
                            w.WriteNumber("skipped", outcome.Skipped);
                            w.WriteNumber("done", outcome.Done);
                            w.WriteNumber("failed", outcome.Failed);
                            w.WriteNumber("malformed", import.Malformed.Count);
                            w.WriteNumber("unknown_units", import.UnknownUnits.Count);
                            w.WriteBoolean("cancelled", outcome.Cancelled);
                            w.WriteNumber("seconds", Math.Round(outcome.Elapsed.TotalSeconds, 3));
                            w.WritePropertyName("summary");
                            JsonSerializer.Serialize(w, outcome.Summary, ResultJson.Options);
                        });
                    else
                        foreach (var line in outcome.Summary.Describe()) log.WriteLine(line);
                    if (outcome.Ignored is { } ignored) Console.Error.WriteLine($"warning: {ignored}");
                    if (outcome.Cancelled)
                    {
                        Console.Error.WriteLine($"interrupted: {outcome.Done + outcome.Failed} explanations of this run are kept in {Path.Combine(outDir, ResultsFile.FileName)}; re-run the same command to resume");
                        return CtrlC.ExitCode;
                    }
                    if (outcome.Summary.Ok == 0)
                        throw new Core.InterpException($"{import.Path}: nothing could be scored: every explanation failed ({FirstError(outDir)})");
                    return 0;
                }
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
        }));
        return command;
    }

    /// <summary>Each malformed place on its own line, then the unknown units in one.</summary>
    private static void Warn(ExplanationImport import)
    {
        foreach (var line in import.Malformed) Console.Error.WriteLine($"warning: {line}");
        if (import.DescribeUnknown() is { } unknown) Console.Error.WriteLine($"warning: {unknown}");
    }

    private static string Plural(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";

    private static string FirstError(string outDir) =>
        ResultsFile.ReadAll(Path.Combine(outDir, ResultsFile.FileName), headsOnly: true).FirstOrDefault(r => !r.Ok)?.Error ?? "no result";

    /// <summary>The job's options (by property name) → this verb's flags, for refused options.</summary>
    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(AutoInterpCommand.Flags)
    {
        [nameof(ScoreJobOptions.Explanations)] = "--explanations", [nameof(ScoreJobOptions.Format)] = "--format",
    };
}
