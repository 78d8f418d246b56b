using System.CommandLine;
using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp autointerp --records DIR [--units 0-4095|all] --explainer offline|llm --scorer correlation,detection,fuzzing
/// [--concurrency C] --out DIR</c>: explain → simulate → score every unit, offline by default or through any
/// OpenAI-compatible endpoint; results appended per unit to <c>OUT/results.jsonl</c> (re-running resumes), then
/// <c>OUT/summary.json</c> and <c>OUT/openai_explanations.jsonl</c>.
/// </summary>
public static class AutoInterpCommand
{
    public static Command Create()
    {
        var (json, quiet, defaults) = (CommonOptions.Json(), CommonOptions.Quiet(), new AutoInterpJobOptions { OutDirectory = "" });
        var records = new Option<string>("--records") { Description = "Unit records: a folder written by `interp records` (records.db), or one holding units.jsonl", Required = true };
        var units = new Option<string>("--units") { Description = "Units: all, 0-4095, 3,7,10-20, or source/index ids", DefaultValueFactory = _ => defaults.Units };
        var explainer = new Option<string>("--explainer") { Description = "offline (N2G-style pattern, no LLM) or llm", DefaultValueFactory = _ => defaults.Explainer };
        var simulator = new Option<string>("--simulator") { Description = "auto, pattern, llm-logprobs or llm-text (auto: pattern for offline, llm-logprobs for llm)", DefaultValueFactory = _ => defaults.Simulator };
        var judge = new Option<string>("--judge") { Description = "Detection/fuzzing judge: auto, pattern or llm", DefaultValueFactory = _ => defaults.Judge };
        var scorer = new Option<string>("--scorer") { Description = "Comma-separated: correlation, detection, fuzzing", DefaultValueFactory = _ => defaults.Scorers };
        var concurrency = new Option<int?>("--concurrency") { Description = $"Units in flight at once (default: cores for offline, {AutoInterpJobOptions.DefaultLlmConcurrency} with an LLM)" };
        var output = new Option<string>("--out") { Description = "Output folder: results.jsonl, summary.json, openai_explanations.jsonl, cache/", Required = true };
        var perSplit = new Option<int?>("--examples-per-split") { Description = "Records per split (OpenAI's n_examples_per_split; default: as many as divide evenly)" };
        var explainRecords = new Option<int>("--llm-explain-records") { Description = "Train records shown to the LLM explainer", DefaultValueFactory = _ => defaults.LlmExplainRecords };
        var calibrate = new Option<bool>("--calibrate") { Description = "Also report R² and deviation after a linear calibration on the calibration split" };
        var delphi = new Option<int>("--delphi-examples") { Description = "Activating and non-activating windows each for detection and fuzzing", DefaultValueFactory = _ => defaults.DelphiExamples };
        var endpoint = new Option<string?>("--llm-endpoint") { Description = "OpenAI-compatible base URL (default: INTERP_LLM_ENDPOINT, else https://api.openai.com/v1)" };
        var model = new Option<string?>("--llm-model") { Description = "Model name (default: INTERP_LLM_MODEL)" };
        var timeout = new Option<double>("--llm-timeout") { Description = "Seconds before a request is abandoned and retried", DefaultValueFactory = _ => defaults.LlmTimeoutSeconds };
        var attempts = new Option<int>("--llm-max-attempts") { Description = "Attempts per request (429, 5xx and timeouts are retried with back-off)", DefaultValueFactory = _ => defaults.LlmMaxAttempts };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Run again the units a previous run marked failed" };
        var shard = new Option<string>("--shard") { Description = "K/N: score only the K-th of N contiguous parts of --units, one part a machine (join them with `interp autointerp merge`)", DefaultValueFactory = _ => defaults.Shard };
        var command = new Command("autointerp", "Explain, simulate and score units in batch (offline by default, or with an OpenAI-compatible LLM); resumable")
        {
            records, units, explainer, simulator, judge, scorer, concurrency, output, perSplit, explainRecords, calibrate, delphi,
            endpoint, model, timeout, attempts, retryFailed, shard, json, quiet,
        };
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var options = new AutoInterpJobOptions
            {
                OutDirectory = parse.GetValue(output)!, Units = parse.GetValue(units)!, Explainer = parse.GetValue(explainer)!,
                Simulator = parse.GetValue(simulator)!, Judge = parse.GetValue(judge)!, Scorers = parse.GetValue(scorer)!,
                Concurrency = parse.GetValue(concurrency), ExamplesPerSplit = parse.GetValue(perSplit), LlmExplainRecords = parse.GetValue(explainRecords),
                Calibrate = parse.GetValue(calibrate), DelphiExamples = parse.GetValue(delphi), LlmEndpoint = parse.GetValue(endpoint),
                LlmModel = parse.GetValue(model), LlmTimeoutSeconds = parse.GetValue(timeout), LlmMaxAttempts = parse.GetValue(attempts),
                RetryFailed = parse.GetValue(retryFailed), Shard = parse.GetValue(shard)!, Records = parse.GetValue(records)!,
            };
            options.Validate();                                                             // before the records are opened
            var outDir = options.OutDirectory;
            var source = RecordSourceOpener.Open(parse.GetValue(records)!);
            try
            {
                using var job = AutoInterpJob.Prepare(source, options);
                var pipeline = job.Pipeline;
                log.WriteLine($"autointerp: {job.Units.Count} units{(options.Split.IsWhole ? "" : $" (part {options.Split})")}, explainer {pipeline.Explainer.Name}, " +
                              (options.ScorerKinds.HasFlag(ScorerKinds.Correlation) ? $"simulator {pipeline.Simulator.Name}, " : "") +
                              (pipeline.Judge is { } j ? $"judge {j.Name}, " : "") + $"scorers {options.Scorers}, concurrency {job.Concurrency} → {outDir}");
                using var ctrlC = new CtrlC();                                              // stops between units; finished units are kept
                var outcome = ProgressDisplay.Run<BatchProgress, BatchOutcome>("autointerp", parse.GetValue(quiet), progress => job.Run(progress, ctrlC.Token));
                if (asJson)
                    JsonOutput.Write(w =>
                    {
                        w.WriteString("out", outDir);
                        w.WriteNumber("selected", outcome.Selected);
                        w.WriteNumber("skipped", outcome.Skipped);
                        w.WriteNumber("done", outcome.Done);
                        w.WriteNumber("failed", outcome.Failed);
                        w.WriteBoolean("cancelled", outcome.Cancelled);
                        if (outcome.Ignored is { } ignoredLines) w.WriteString("ignored", ignoredLines);
                        w.WriteNumber("seconds", Math.Round(outcome.Elapsed.TotalSeconds, 3));
                        w.WriteNumber("units_per_second", Math.Round(outcome.Progress.UnitsPerSecond, 3));
                        w.WriteNumber("llm_requests", outcome.Progress.LlmRequests);
                        w.WriteNumber("llm_tokens", outcome.Progress.InputTokens + outcome.Progress.OutputTokens);
                        w.WritePropertyName("summary");
                        JsonSerializer.Serialize(w, outcome.Summary, ResultJson.Options);
                    });
                else
                    foreach (var line in outcome.Summary.Describe()) log.WriteLine(line);
                if (outcome.Ignored is { } ignored) Console.Error.WriteLine($"warning: {ignored}");
                if (outcome.Cancelled)
                {
                    Console.Error.WriteLine($"interrupted: {outcome.Done + outcome.Failed} units of this run are kept in {Path.Combine(outDir, ResultsFile.FileName)}; re-run the same command to resume");
                    return CtrlC.ExitCode;
                }
                return 0;
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
        }));
        command.Subcommands.Add(SyntheticCommand());
        command.Subcommands.Add(AutoInterpMergeCommand.Create());
        return command;
    }

    /// <summary><c>interp autointerp synthetic --units N --out DIR</c>: units with known behaviour over WikiText-2, as units.jsonl.</summary>
    private static Command SyntheticCommand()
    {
        var count = new Option<int>("--units") { Description = "How many units", DefaultValueFactory = _ => 100 };
        var output = new Option<string>("--out") { Description = "Folder to write units.jsonl (and rules.tsv) into", Required = true };
        var command = new Command("synthetic", "Write synthetic units with known rules (one token, token after token, digits, capitalised after token) as units.jsonl") { count, output };
        command.SetAction(CliApp.Guard(parse =>
        {
            var n = parse.GetValue(count);
            if (n < 1) throw new InterpException($"--units {n}: must be at least 1");
            var dir = parse.GetValue(output)!;
            var family = SyntheticUnits.Family(SyntheticCorpus.WikiText(), n);
            JsonlUnitRecordSource.Write(dir, family.Select(f => f.Record));
            AtomicFile.WriteAllText(Path.Combine(dir, "rules.tsv"), string.Concat(family.Select(f => $"{f.Record.Id}\t{f.Rule}\n")));
            Console.WriteLine($"{n} synthetic units → {Path.Combine(dir, JsonlUnitRecordSource.FileName)} (rules in rules.tsv)");
            return 0;
        }));
        return command;
    }

    /// <summary>The job's options (by property name) → this verb's flags, for refused options.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        [nameof(AutoInterpJobOptions.Scorers)] = "--scorer", [nameof(AutoInterpJobOptions.Units)] = "--units",
        [nameof(AutoInterpJobOptions.Concurrency)] = "--concurrency", [nameof(AutoInterpJobOptions.Explainer)] = "--explainer",
        [nameof(AutoInterpJobOptions.Simulator)] = "--simulator", [nameof(AutoInterpJobOptions.Judge)] = "--judge",
        [nameof(AutoInterpJobOptions.ExamplesPerSplit)] = "--examples-per-split", [nameof(AutoInterpJobOptions.LlmExplainRecords)] = "--llm-explain-records",
        [nameof(AutoInterpJobOptions.DelphiExamples)] = "--delphi-examples", [nameof(AutoInterpJobOptions.LlmEndpoint)] = "--llm-endpoint",
        [nameof(AutoInterpJobOptions.LlmModel)] = "--llm-model", [nameof(AutoInterpJobOptions.LlmTimeoutSeconds)] = "--llm-timeout",
        [nameof(AutoInterpJobOptions.LlmMaxAttempts)] = "--llm-max-attempts", [nameof(AutoInterpJobOptions.Shard)] = "--shard",
    };
}
