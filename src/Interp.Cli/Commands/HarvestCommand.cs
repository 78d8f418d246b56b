using System.CommandLine;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model.Harvest;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp harvest --corpus FILE... --hook NAME... --out DIR</c>: run the model over a corpus and store the
/// activations at each hook as Parquet shards plus a manifest (<c>DIR/&lt;hook&gt;/</c>). Re-running the same command after
/// an interruption finishes the job.
/// </summary>
public static class HarvestCommand
{
    public static Command Create()
    {
        var (model, device, json, quiet) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json(), CommonOptions.Quiet());
        var corpus = new Option<string[]>("--corpus") { Description = CorpusOptions.Accepts, Required = true, AllowMultipleArgumentsPerToken = true };
        var textField = CorpusOptions.TextField();
        var hook = new Option<string[]>("--hook") { Description = "Hook name(s) or globs to store, e.g. blocks.2.hook_resid_pre or 'blocks.*.hook_resid_post' (every layer, one pass; see `interp hooks`)", Required = true, AllowMultipleArgumentsPerToken = true };
        var context = new Option<int>("--ctx") { Description = "Tokens per context", DefaultValueFactory = _ => ContextBuilder.DefaultCtx };
        var tokens = new Option<long?>("--tokens") { Description = "Harvest the first ceil(N/ctx) contexts only (default: the whole corpus)" };
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass", DefaultValueFactory = _ => HarvestOptions.DefaultBatchSize };
        var shard = new Option<string>("--shard") { Description = "K/N: this machine's part of a harvest split over N machines (merge with `interp store merge`)", DefaultValueFactory = _ => "1/1" };
        var bos = BosOption.Create(whenOn: "the default: 50256, then ctx-1 corpus tokens; kept for old scripts");
        var float16 = new Option<bool>("--float16") { Description = "Store activations as float16 (half the disk; DuckDB reads them as FLOAT)" };
        var shardMb = new Option<double>("--shard-mb") { Description = "Target shard size in MiB", DefaultValueFactory = _ => HarvestJobOptions.DefaultShardMegabytes };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing store in --out (a finished store is otherwise never overwritten)" };
        var output = new Option<string>("--out") { Description = "Store folder: one subfolder per hook with manifest.json and shard-NNNNN.parquet", Required = true };
        var threads = ThreadsOption.Create();
        var command = new Command("harvest", "Store a model's activations at some hooks over a corpus as Parquet shards (resumable)")
            { model, device, corpus, textField, hook, context, tokens, batch, shard, bos.On, bos.Off, float16, shardMb, overwrite, output, threads, json, quiet };
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var options = new HarvestJobOptions
            {
                Corpus = parse.GetValue(corpus)!, TextField = parse.GetValue(textField)!, Hooks = parse.GetValue(hook)!, OutDirectory = parse.GetValue(output)!,
                Ctx = parse.GetValue(context), Tokens = parse.GetValue(tokens), Batch = parse.GetValue(batch), Shard = parse.GetValue(shard)!,
                PrependBos = bos.Read(parse) ?? true, Dtype = parse.GetValue(float16) ? ActivationDtype.Float16 : ActivationDtype.Float32,
                ShardMegabytes = parse.GetValue(shardMb), Overwrite = parse.GetValue(overwrite),
            };
            options.Validate();
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!, processing.Read(parse));
            var job = HarvestJob.Prepare(gpt2, options, Console.Error.WriteLine);
            var (contexts, hooks, (k, n)) = (job.Contexts, job.Hooks, options.Split());
            log.WriteLine($"harvest: {contexts.Count:N0} contexts × {contexts.Ctx} tokens from {contexts.Files.Count} file(s) ({contexts.StreamTokens:N0} tokens)" +
                          $"{(n > 1 ? $", part {k}/{n}" : "")}; hooks {string.Join(", ", hooks)} → {options.OutDirectory}");

            if (!CtrlC.TryRun(cancel => ProgressDisplay.Run<HarvestProgress, HarvestResult>("harvest", parse.GetValue(quiet),
                    progress => job.Run(progress, cancel)),
                    "interrupted: finished shards are kept; re-run the same command to resume", out var result))
                return CtrlC.ExitCode;

            if (asJson)
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("out", options.OutDirectory);
                    w.WriteNumber("tokens_this_run", result.TokensThisRun);
                    w.WriteNumber("tokens_per_second", Math.Round(result.TokensPerSecond));
                    w.WriteStartArray("hooks");
                    foreach (var m in result.Manifests) WriteHook(w, options.OutDirectory, m);
                    w.WriteEndArray();
                });
                return 0;
            }
            log.WriteLine($"done: {result.TokensThisRun:N0} tokens in {result.Elapsed.TotalSeconds:F1} s ({result.TokensPerSecond:N0} tokens/s)");
            foreach (var m in result.Manifests)
                log.WriteLine($"  {m.Hook}: {m.RowsWritten:N0} tokens, d={m.D} {m.Dtype}, {m.Shards.Count} shard(s), " +
                              $"{m.Shards.Sum(s => s.Bytes) / 1e6:F1} MB → {Path.Combine(options.OutDirectory, m.Hook)}");
            return 0;
        }));
        return command;
    }

    /// <summary>The job's options (by property name) → this verb's flags, for refused options.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        [nameof(HarvestJobOptions.Corpus)] = "--corpus", [nameof(HarvestJobOptions.Hooks)] = "--hook", [nameof(HarvestJobOptions.Ctx)] = "--ctx",
        [nameof(HarvestJobOptions.Tokens)] = "--tokens", [nameof(HarvestJobOptions.Batch)] = "--batch", [nameof(HarvestJobOptions.Shard)] = "--shard",
        [nameof(HarvestJobOptions.TextField)] = "--text-field",
        [nameof(HarvestJobOptions.PrependBos)] = "BOS prepending (the default; --no-prepend-bos turns it off)", [nameof(HarvestJobOptions.OutDirectory)] = "--out",
    };

    private static void WriteHook(System.Text.Json.Utf8JsonWriter w, string root, ActivationManifest m)
    {
        w.WriteStartObject();
        w.WriteString("hook", m.Hook);
        w.WriteString("folder", Path.Combine(root, m.Hook));
        w.WriteNumber("d", m.D);
        w.WriteString("dtype", m.Dtype);
        w.WriteNumber("tokens", m.RowsWritten);
        w.WriteNumber("shards", m.Shards.Count);
        w.WriteNumber("bytes", m.Shards.Sum(s => s.Bytes));
        w.WriteBoolean("complete", m.Complete);
        w.WriteEndObject();
    }
}
