using System.CommandLine;
using Interp.Records;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp records (--activations DIR [--sae DIR] | --corpus FILE... --hook NAME) --out DIR</c>: for every neuron of a
/// hook (or latent of an SAE), its top-activating windows, quantile-band, random, random activating and non-activating
/// samples, density, histogram, logit effect and nearest units, in one SQLite file (<c>DIR/records.db</c>) that the web
/// UI reads unit by unit. Re-running the same command after an interruption finishes the job.
/// </summary>
public static class RecordsCommand
{
    public static Command Create()
    {
        var (model, json, quiet) = (CommonOptions.Model(), CommonOptions.Json(), CommonOptions.Quiet());
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda (model and SAE)", DefaultValueFactory = _ => "cpu" };
        var activations = new Option<string?>("--activations") { Description = "Activation store (interp harvest output): a hook folder, or a store root with --hook" };
        var sae = new Option<string?>("--sae") { Description = "SAE or transcoder folder (cfg.json + sae_weights.safetensors): records of its latents instead of the hook's neurons" };
        var hook = new Option<string?>("--hook") { Description = "Hook, e.g. blocks.1.mlp.hook_post (required with --corpus; default with --sae: the SAE's hook)" };
        var corpus = new Option<string[]>("--corpus") { Description = $"Run the model over a corpus instead of reading a store: {CorpusOptions.Accepts}", AllowMultipleArgumentsPerToken = true };
        var textField = CorpusOptions.TextField();
        var ctx = new Option<int>("--ctx") { Description = "Tokens per context (with --corpus)", DefaultValueFactory = _ => Interp.Model.Harvest.ContextBuilder.DefaultCtx };
        var tokens = new Option<long?>("--tokens") { Description = "Only the first ceil(N/ctx) contexts (with --corpus)" };
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass (with --corpus)", DefaultValueFactory = _ => Interp.Model.Harvest.HarvestOptions.DefaultBatchSize };
        var bos = BosOption.Create(whenOn: "with --corpus, the default; kept for old scripts",
            whenOff: "with --corpus; a store's contexts are as harvested");
        var window = new Option<int>("--window") { Description = "Tokens per window (the peak sits 3/4 of the way in)", DefaultValueFactory = _ => 64 };
        var top = new Option<int>("--top") { Description = "Top-activating windows per unit (one per context)", DefaultValueFactory = _ => 40 };
        var bandSamples = new Option<int>("--band-samples") { Description = "Windows per quantile band ([0.99,0.999], [0.9,0.99], [0.5,0.9], [0,0.5])", DefaultValueFactory = _ => 10 };
        var random = new Option<int>("--random") { Description = "Uniformly random windows per unit", DefaultValueFactory = _ => 20 };
        var randomActivating = new Option<int>("--random-activating") { Description = "Random windows where the unit fires (delphi's positives: 10 equal-count deciles)", DefaultValueFactory = _ => new RecordOptions().RandomActivating };
        var nonActivating = new Option<int>("--non-activating") { Description = "Random windows where the unit is ≤ 0 at every token", DefaultValueFactory = _ => 20 };
        var units = new Option<string>("--units") { Description = "Units to build: all, 0-1023, 3,7,10-20", DefaultValueFactory = _ => "all" };
        var shard = new Option<string>("--shard") { Description = "K/N: build only the K-th of N contiguous parts of --units, one part a machine (join them with `interp records merge`)", DefaultValueFactory = _ => "1/1" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random samples (same seed, same records)", DefaultValueFactory = _ => 0 };
        var memory = new Option<int>("--memory-mb") { Description = "Memory for kept windows; more units than fit are built in chunks (two passes each)", DefaultValueFactory = _ => 512 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Rebuild even when finished records are in --out" };
        var output = new Option<string>("--out") { Description = "Records folder: records.db (SQLite) + manifest.json", Required = true };
        var threads = ThreadsOption.Create();
        var command = new Command("records", "Build unit records (top/band/random windows, density, histograms, logit effects) for neurons or SAE latents")
        {
            activations, sae, model, hook, corpus, textField, ctx, tokens, batch, bos.On, bos.Off, window, top, bandSamples, random, randomActivating, nonActivating,
            units, shard, seed, memory, overwrite, output, device, threads, json, quiet,
        };
        // Without these flags: a store's own processing (its manifest), or with --corpus the SAE's cfg.json.
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var options = new RecordsJobOptions
            {
                Activations = parse.GetValue(activations), Sae = parse.GetValue(sae), Model = parse.GetValue(model), Hook = parse.GetValue(hook),
                Corpus = parse.GetValue(corpus) ?? [], TextField = parse.GetValue(textField)!, Ctx = parse.GetValue(ctx), Tokens = parse.GetValue(tokens), Batch = parse.GetValue(batch),
                PrependBos = bos.Read(parse) ?? true, Device = parse.GetValue(device)!, Units = parse.GetValue(units)!, Shard = parse.GetValue(shard)!, OutDirectory = parse.GetValue(output)!,
                Overwrite = parse.GetValue(overwrite), Processing = processing.Read(parse),
                Sampling = new RecordOptions
                {
                    Window = parse.GetValue(window), Top = parse.GetValue(top), BandSamples = parse.GetValue(bandSamples), Random = parse.GetValue(random),
                    RandomActivating = parse.GetValue(randomActivating), NonActivating = parse.GetValue(nonActivating), Seed = parse.GetValue(seed),
                    MemoryMegabytes = parse.GetValue(memory),
                },
            };
            if (!CtrlC.TryRun(cancel => ProgressDisplay.Run<RecordsProgress, RecordsJobResult>("records", parse.GetValue(quiet),
                    progress => RecordsJob.Run(options, log.WriteLine, progress, cancel)),
                    "interrupted: finished units are kept; re-run the same command to resume", out var result))
                return CtrlC.ExitCode;
            if (asJson)
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("records", result.DatabasePath);
                    w.WriteString("source", result.Manifest.Source);
                    w.WriteNumber("units", result.Manifest.UnitCount);
                    w.WriteNumber("units_built", result.UnitsBuilt);
                    w.WriteNumber("units_resumed", result.UnitsResumed);
                    w.WriteNumber("tokens", result.Manifest.Tokens);
                    w.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 2));
                    w.WriteNumber("bytes", result.Bytes);
                });
                return 0;
            }
            log.WriteLine($"done: {result.UnitsBuilt:N0} units in {result.Elapsed.TotalSeconds:F1} s" +
                          $"{(result.UnitsResumed > 0 ? $" ({result.UnitsResumed:N0} from an earlier run)" : "")}; " +
                          $"{result.Bytes / 1e6:F1} MB → {result.DatabasePath}");
            return 0;
        }));
        command.Subcommands.Add(RecordsMergeCommand.Create());
        return command;
    }

    /// <summary>The records job's options (by property name) → this verb's flags, for refused options.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(HarvestCommand.Flags)
    {
        [nameof(RecordsJobOptions.Hook)] = "--hook NAME", [nameof(RecordsJobOptions.Units)] = "--units",
        [nameof(RecordsJobOptions.Activations)] = "--activations",
        [nameof(RecordOptions.Window)] = "--window", [nameof(RecordOptions.Top)] = "--top", [nameof(RecordOptions.BandSamples)] = "--band-samples",
        [nameof(RecordOptions.Random)] = "--random", [nameof(RecordOptions.RandomActivating)] = "--random-activating",
        [nameof(RecordOptions.NonActivating)] = "--non-activating", [nameof(RecordOptions.MemoryMegabytes)] = "--memory-mb",
    };
}
