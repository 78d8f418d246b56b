using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Interp.Core;
using Interp.Core.Store;
using Interp.Sae;
using Spectre.Console;
using Interp.Sae.Architectures;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp train-sae --activations DIR --arch ... --d-sae N --out DIR</c>: train a sparse autoencoder on one hook's
/// activation store (SAELens layout out: cfg.json + sae_weights.safetensors, plus training_log.jsonl and checkpoint/).
/// The store is loaded into memory when it fits, else streamed; asking for more tokens than it holds makes further
/// shuffled passes over it. <c>--resume</c> continues a run from its checkpoint.
/// </summary>
public static class TrainSaeCommand
{
    public static Command Create()
    {
        var defaults = new SaeTrainingOptions { OutDirectory = "" };
        var (device, json) = (CommonOptions.Device(), CommonOptions.Json());
        var activations = new Option<string>("--activations") { Description = "Activation store (interp harvest --out) or one hook folder in it", Required = true };
        var hook = new Option<string?>("--hook") { Description = "The hook to train on (needed when the store holds several); must match the store's" };
        var arch = new Option<string>("--arch") { Description = "relu (standard, L1), topk, batchtopk or jumprelu", DefaultValueFactory = _ => "topk" };
        var dSae = new Option<int?>("--d-sae") { Description = $"Latents (default {defaults.ExpansionFactor} × d_in)" };
        var k = new Option<int>("--k") { Description = "Latents per token for topk and batchtopk", DefaultValueFactory = _ => defaults.K };
        var l1 = new Option<double?>("--l1") { Description = "Sparsity coefficient: L1 for relu (default 5), L0 for jumprelu (default 1), on normalised inputs" };
        var learningRate = new Option<double>("--lr") { Description = "Adam's peak learning rate (warm-up, then linear decay over the last 20%)", DefaultValueFactory = _ => defaults.LearningRate };
        var tokens = new Option<long>("--tokens") { Description = "Activation rows to train on; more than the store holds makes further shuffled passes over it", DefaultValueFactory = _ => defaults.TrainingTokens };
        var batch = new Option<int>("--batch") { Description = "Rows per step", DefaultValueFactory = _ => defaults.BatchSize };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (also at the end and on Ctrl+C)", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run whose checkpoint is in --out (same options and store)" };
        var seed = new Option<int>("--seed") { Description = "Seeds the initial weights and the data order", DefaultValueFactory = _ => defaults.Seed };
        var stream = new Option<bool>("--stream") { Description = "Stream the store from disk even when it fits in memory" };
        var threads = ThreadsOption.Create();
        var output = new Option<string>("--out") { Description = "SAE folder: cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/", Required = true };
        var command = new Command("train-sae", "Train a sparse autoencoder (relu, topk, batchtopk, jumprelu) on an activation store; SAELens layout out")
            { activations, hook, arch, dSae, k, l1, learningRate, tokens, batch, device, checkpointEvery, resume, seed, stream, output, threads, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var architecture = SaeArchitectures.Parse(parse.GetValue(arch), "--arch").Id;
            var outDir = parse.GetValue(output)!;
            var (batchSize, tokenCount, every, rate) = (parse.GetValue(batch), parse.GetValue(tokens), parse.GetValue(checkpointEvery), parse.GetValue(learningRate));
            Require(batchSize > 0, $"--batch {batchSize}: must be a positive number of rows");
            Require(tokenCount > 0, $"--tokens {tokenCount}: must be a positive number of rows");
            Require(every > 0, $"--checkpoint-every {every}: must be a positive number of steps");
            Require(rate > 0 && double.IsFinite(rate), $"--lr {Format(rate)}: must be a positive number");
            if (parse.GetValue(l1) is { } c) Require(c >= 0 && double.IsFinite(c), $"--l1 {Format(c)}: must not be negative");
            if (parse.GetValue(dSae) is { } n) Require(n > 0, $"--d-sae {n}: must be a positive number of latents");

            using var source = StoreActivationSource.Open(parse.GetValue(activations)!, parse.GetValue(hook), inMemory: parse.GetValue(stream) ? false : null);
            var manifest = source.Manifest;
            if (parse.GetValue(hook) is { } wanted && wanted != manifest.Hook)
                throw new InterpException($"{source.Reader.Folder}: the store holds {manifest.Hook}, not --hook {wanted}");
            var latents = parse.GetValue(dSae) ?? defaults.ExpansionFactor * source.D;
            var usesK = architecture.Definition().UsesK;
            var kValue = parse.GetValue(k);
            if (usesK)
                Require(kValue > 0 && kValue <= latents, $"--k {kValue}: must be between 1 and d_sae={latents} for {architecture.ToSaeLensName()}");
            Require(batchSize <= source.Rows,
                $"--batch {batchSize:N0}: the store {source.Reader.Folder} holds only {source.Rows:N0} activation rows, fewer than one batch");
            CheckOutputFolder(outDir, parse.GetValue(resume), manifest, log);

            var options = new SaeTrainingOptions
            {
                OutDirectory = outDir, Architecture = architecture, DSae = latents, K = usesK ? kValue : defaults.K,
                SparsityCoefficient = parse.GetValue(l1), LearningRate = rate, TrainingTokens = tokenCount, BatchSize = batchSize,
                CheckpointEvery = every, Seed = parse.GetValue(seed), Device = parse.GetValue(device)!,
                LogEvery = Math.Max(1, Math.Min(defaults.LogEvery, (int)Math.Max(1, tokenCount / batchSize / 20))),
                HookName = manifest.Hook, ModelName = manifest.Model.Name, ModelWeightsSha256 = manifest.Model.WeightsSha256,
                ContextSize = manifest.Ctx, PrependBos = manifest.PrependBos,
                DatasetPath = string.Join(", ", manifest.Corpus.Files.Select(f => f.Name)),
            };
            options.Validate();

            var passes = source.Passes(tokenCount, batchSize);
            log.WriteLine($"train-sae: {architecture.ToSaeLensName()} d_in={source.D} d_sae={latents}{(usesK ? $" k={options.K}" : "")} " +
                          $"on {manifest.Hook} of {manifest.Model.Name}");
            log.WriteLine($"  store {source.Reader.Folder}: {source.Rows:N0} tokens ({(source.InMemory ? $"loaded into memory, {source.Reader.Float32Bytes / 1e6:F0} MB" : "streamed from disk")})");
            log.WriteLine($"  {tokenCount:N0} tokens = {options.TotalSteps:N0} steps of {batchSize:N0}" +
                          (passes > 1 ? $": {passes:F1} passes over the store (each further pass reshuffles it)" : $": {passes:P0} of one pass over the store"));

            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            SaeTrainResult result;
            try
            {
                result = RunWithProgress(options, source, log, interactive: !asJson && AnsiConsole.Profile.Capabilities.Interactive, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"interrupted: checkpoint saved in {Path.Combine(outDir, "checkpoint")}; re-run the same command with --resume to continue");
                return 130;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }

            using (result)
            {
                var last = result.Last;
                if (result.Steps < options.TotalSteps)
                    log.WriteLine($"note: the activation source ran out after {result.Steps:N0} of {options.TotalSteps:N0} steps");
                if (asJson)
                {
                    JsonOutput.Write(w =>
                    {
                        w.WriteString("out", outDir);
                        w.WriteString("architecture", architecture.ToSaeLensName());
                        w.WriteString("hook_name", manifest.Hook);
                        w.WriteNumber("d_in", source.D);
                        w.WriteNumber("d_sae", latents);
                        w.WriteNumber("steps", result.Steps);
                        w.WriteNumber("tokens", result.Tokens);
                        w.WriteNumber("store_tokens", source.Rows);
                        w.WriteNumber("passes", Math.Round(result.Tokens / (double)source.Rows, 3));
                        w.WriteNumber("seconds", Math.Round(result.Seconds, 2));
                        if (last is not null)
                        {
                            w.WriteNumber("loss", last.Loss);
                            w.WriteNumber("mse", last.Mse);
                            w.WriteNumber("l0", last.L0);
                            w.WriteNumber("explained_variance", last.ExplainedVariance);
                            w.WriteNumber("dead_fraction", last.DeadFraction);
                            w.WriteNumber("tokens_per_second", Math.Round(last.TokensPerSecond));
                        }
                    });
                    return 0;
                }
                if (last is not null)
                    log.WriteLine($"done: {result.Steps:N0} steps, {result.Tokens:N0} tokens in {result.Seconds:F1} s | last {options.LogEvery} steps: " +
                                  $"loss {last.Loss:F4}, L0 {last.L0:F1}, explained variance {last.ExplainedVariance:F4}, dead {last.DeadFraction:P1}");
                log.WriteLine($"saved {Path.Combine(outDir, SaeFolder.ConfigFileName)} + {SaeFolder.WeightsFileName}; " +
                              $"log {Path.Combine(outDir, SaeTrainer.LogFileName)}");
                return 0;
            }
        }));
        return command;
    }

    /// <summary>
    /// A finished or started run in <paramref name="outDir"/> needs <c>--resume</c>; resuming needs a checkpoint made on
    /// activations of the same hook and model as the store.
    /// </summary>
    private static void CheckOutputFolder(string outDir, bool resume, ActivationManifest manifest, TextWriter log)
    {
        var checkpoint = new[] { "checkpoint", "checkpoint.tmp", "checkpoint.old" }.Select(d => Path.Combine(outDir, d))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "state.json")));
        var finished = File.Exists(Path.Combine(outDir, SaeFolder.ConfigFileName));
        if (!resume)
        {
            if (checkpoint is not null || finished)
                throw new InterpException($"{outDir} already holds an SAE training run; pass --resume to continue it, or choose another --out");
            return;
        }
        if (checkpoint is null)
        {
            if (finished)
                throw new InterpException($"{outDir}: holds an SAE but no checkpoint to resume from; choose another --out");
            log.WriteLine($"note: --resume: no checkpoint in {outDir}; starting a new run");
            return;
        }
        var config = SaeConfig.Load(Path.Combine(checkpoint, SaeFolder.ConfigFileName));
        if (config.HookName != manifest.Hook)
            throw new InterpException($"{checkpoint}: this run trains on {config.HookName}, but the store holds {manifest.Hook}; resume with the run's own store");
        if (config.ModelWeightsSha256 is { } sha && sha != manifest.Model.WeightsSha256)
            throw new InterpException($"{checkpoint}: this run trains on activations of model {config.ModelName} (weights sha256 {Short(sha)}), " +
                                      $"but the store comes from model {manifest.Model.Name} (weights sha256 {Short(manifest.Model.WeightsSha256)}); resume with the run's own store");
    }

    /// <summary>A Spectre.Console progress bar on a terminal; otherwise a plain line every 5 seconds.</summary>
    private static SaeTrainResult RunWithProgress(SaeTrainingOptions options, IActivationSource source, TextWriter log, bool interactive, CancellationToken cancel)
    {
        static string Line(SaeTrainProgress p) =>
            $"step {p.Step:N0}/{p.TotalSteps:N0} | loss {p.Loss:F4} | L0 {p.L0:F1} | expl. var. {p.ExplainedVariance:F3} | dead {p.DeadFraction:P1} | {p.TokensPerSecond:N0} tokens/s";

        if (!interactive)
        {
            var clock = Stopwatch.StartNew();
            return new SaeTrainer(options, source, p =>
            {
                if (clock.Elapsed.TotalSeconds < 5 && p.Step < p.TotalSteps) return;
                clock.Restart();
                log.WriteLine($"train-sae: {Line(p)}");
            }).Run(cancel);
        }

        SaeTrainResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting…", maxValue: options.TotalSteps);
                result = new SaeTrainer(options, source, p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Line(p));
                }).Run(cancel);
                task.Value = task.MaxValue;
            });
        return result!;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new InterpException(message);
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Short(string sha) => sha[..Math.Min(12, sha.Length)] + "…";
}
