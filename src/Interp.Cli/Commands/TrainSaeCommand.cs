using System.CommandLine;
using System.Text.Json;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Sae;
using Interp.Sae.Architectures;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp train-sae --activations DIR --arch ... --d-sae N --out DIR</c>: train a sparse autoencoder on one hook's
/// activation store (SAELens layout out: cfg.json + sae_weights.safetensors, plus training_log.jsonl and checkpoint/);
/// with a <c>--hook</c> glob, one per matching hook of a store root, in turn, each into <c>DIR/&lt;hook&gt;/</c>.
/// The store is loaded into memory when it fits and is at most 2 GiB as float32, else streamed; asking for more tokens than it holds makes further
/// shuffled passes over it. <c>--resume</c> continues a run from its checkpoint.
/// </summary>
public static class TrainSaeCommand
{
    public static Command Create()
    {
        var defaults = new TrainSaeJobOptions { Activations = "", OutDirectory = "" };
        var (device, json, quiet) = (CommonOptions.Device(), CommonOptions.Json(), CommonOptions.Quiet());
        var activations = new Option<string>("--activations") { Description = "Activation store (interp harvest --out) or one hook folder in it", Required = true };
        var hook = new Option<string?>("--hook") { Description = "The hook to train on (needed when the store holds several), or a glob ('blocks.*.hook_resid_post'): one SAE per matching hook, each into --out/<hook>/" };
        var arch = new Option<string>("--arch") { Description = "relu (standard, L1), topk, batchtopk or jumprelu", DefaultValueFactory = _ => "topk" };
        var dSae = new Option<int?>("--d-sae") { Description = $"Latents (default {TrainSaeJobOptions.ExpansionFactor} × d_in)" };
        var k = new Option<int>("--k") { Description = "Latents per token for topk and batchtopk", DefaultValueFactory = _ => defaults.K };
        var l1 = new Option<double?>("--l1") { Description = "Sparsity coefficient: L1 for relu (default 5), L0 for jumprelu (default 1), on normalised inputs" };
        var learningRate = new Option<double>("--lr") { Description = "Adam's peak learning rate (warm-up, then linear decay over the last 20%)", DefaultValueFactory = _ => defaults.LearningRate };
        var tokens = new Option<long>("--tokens") { Description = "Activation rows to train on; more than the store holds makes further shuffled passes over it", DefaultValueFactory = _ => defaults.Tokens };
        var batch = new Option<int>("--batch") { Description = "Rows per step", DefaultValueFactory = _ => defaults.BatchSize };
        var deadWindow = new Option<int?>("--dead-window") { Description = $"Steps without firing after which a latent counts as dead and AuxK trains it (default: a tenth of the steps, at most {SaeTrainingOptions.MaxDefaultDeadWindow:N0})" };
        var auxK = new Option<double?>("--aux-k-coefficient") { Description = "AuxK's weight for topk and batchtopk (Gao et al.'s loss normalised by the residual's variance; default 1/32); 0 turns AuxK off" };
        var kAux = new Option<int?>("--k-aux") { Description = "Dead latents each token may use in AuxK (default d_in / 2)" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (also at the end and on Ctrl+C)", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run whose checkpoint is in --out (same options and store)" };
        var seed = new Option<int>("--seed") { Description = "Seeds the initial weights and the data order", DefaultValueFactory = _ => defaults.Seed };
        var stream = new Option<bool>("--stream") { Description = "Stream the store from disk even when it fits in memory" };
        var threads = ThreadsOption.Create();
        var output = new Option<string>("--out") { Description = "SAE folder: cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/", Required = true };
        var command = new Command("train-sae", "Train a sparse autoencoder (relu, topk, batchtopk, jumprelu) on an activation store; SAELens layout out")
            { activations, hook, arch, dSae, k, l1, learningRate, tokens, batch, deadWindow, auxK, kAux, device, checkpointEvery, resume, seed, stream, output, threads, json, quiet };
        var flags = new Dictionary<string, string>
        {
            [nameof(TrainSaeJobOptions.BatchSize)] = "--batch", [nameof(TrainSaeJobOptions.Tokens)] = "--tokens",
            [nameof(TrainSaeJobOptions.CheckpointEvery)] = "--checkpoint-every", [nameof(TrainSaeJobOptions.LearningRate)] = "--lr",
            [nameof(TrainSaeJobOptions.SparsityCoefficient)] = "--l1", [nameof(TrainSaeJobOptions.DSae)] = "--d-sae",
            [nameof(TrainSaeJobOptions.K)] = "--k", [nameof(TrainSaeJobOptions.Hook)] = "--hook", [nameof(TrainSaeJobOptions.DeadWindow)] = "--dead-window",
            [nameof(TrainSaeJobOptions.AuxKCoefficient)] = "--aux-k-coefficient", [nameof(TrainSaeJobOptions.KAux)] = "--k-aux",
            [nameof(TrainSaeJobOptions.Resume)] = "--resume", [nameof(TrainSaeJobOptions.OutDirectory)] = "--out",
        };
        command.SetAction(CliApp.Guard(flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var outDir = parse.GetValue(output)!;
            var hookArg = parse.GetValue(hook);
            // Every run is checked before any trains; each is let go (its store out of memory) once trained.
            var pending = new Queue<TrainSaeJob>(TrainSaeJob.OpenEach(new TrainSaeJobOptions
            {
                Activations = parse.GetValue(activations)!, Hook = hookArg,
                Architecture = SaeArchitectures.Parse(parse.GetValue(arch), "--arch").Id, DSae = parse.GetValue(dSae), K = parse.GetValue(k),
                SparsityCoefficient = parse.GetValue(l1), LearningRate = parse.GetValue(learningRate), Tokens = parse.GetValue(tokens),
                BatchSize = parse.GetValue(batch), DeadWindow = parse.GetValue(deadWindow), AuxKCoefficient = parse.GetValue(auxK), KAux = parse.GetValue(kAux), CheckpointEvery = parse.GetValue(checkpointEvery), Resume = parse.GetValue(resume),
                Seed = parse.GetValue(seed), Stream = parse.GetValue(stream), Device = parse.GetValue(device)!, OutDirectory = outDir,
            }));
            try
            {
                var quietly = parse.GetValue(quiet);
                if (hookArg is null || !HookGlob.IsGlob(hookArg))
                {
                    using var job = pending.Dequeue();
                    var code = Train(job, log, quietly, out var summary);
                    if (code == 0 && asJson) JsonOutput.Write(summary);
                    return code;
                }
                // One SAE per matching hook, in turn, each from its own hook's store into its own folder (resumable alone).
                var (count, summaries) = (pending.Count, new List<Action<Utf8JsonWriter>>());
                log.WriteLine($"train-sae: {count} SAEs, one per hook matching '{hookArg}' ({string.Join(", ", pending.Select(j => j.Source.Manifest.Hook))}) → {Path.Combine(outDir, "<hook>")}");
                while (pending.TryDequeue(out var job))
                {
                    using (job)
                    {
                        log.WriteLine();
                        log.WriteLine($"[{summaries.Count + 1}/{count}] {job.Source.Manifest.Hook} → {job.Training.OutDirectory}");
                        var code = Train(job, log, quietly, out var summary);
                        if (code != 0) return code;
                        summaries.Add(summary);
                    }
                }
                if (asJson)
                    JsonOutput.Write(w =>
                    {
                        w.WriteString("out", outDir);
                        w.WriteStartArray("saes");
                        foreach (var summary in summaries)
                        {
                            w.WriteStartObject();
                            summary(w);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                return 0;
            }
            finally
            {
                while (pending.TryDequeue(out var left)) left.Dispose();
            }
        }));
        return command;
    }

    /// <summary>
    /// Trains one SAE, printing what it trains on and how it ended; <paramref name="summary"/> writes its <c>--json</c>
    /// fields. Returns the exit code (<see cref="CtrlC.ExitCode"/> when interrupted, its checkpoint kept).
    /// </summary>
    private static int Train(TrainSaeJob job, TextWriter log, bool quiet, out Action<Utf8JsonWriter> summary)
    {
        summary = _ => { };
        var (source, options) = (job.Source, job.Training);
        var (outDir, manifest, architecture, latents, tokenCount) = (options.OutDirectory, source.Manifest, options.Architecture, options.DSae!.Value, options.TrainingTokens);
        if (job.Start == TrainSaeStart.ResumeWithoutCheckpoint) log.WriteLine($"note: --resume: no checkpoint in {outDir}; starting a new run");

        log.WriteLine($"train-sae: {architecture.ToSaeLensName()} d_in={source.D} d_sae={latents}{(architecture.Definition().UsesK ? $" k={options.K}" : "")} " +
                      $"on {manifest.Hook} of {manifest.Model.Name}");
        log.WriteLine($"  store {source.Reader.Folder}: {source.Rows:N0} tokens{(source.Reader.BosRows > 0 ? $" besides {source.Reader.BosRows:N0} BOS rows, which SAE training leaves out" : "")} ({(source.InMemory ? $"loaded into memory, {source.Reader.Float32Bytes / 1e6:F0} MB" : "streamed from disk")})");
        log.WriteLine($"  {tokenCount:N0} tokens = {options.TotalSteps:N0} steps of {options.BatchSize:N0}" +
                      (job.Passes > 1 ? $": {job.Passes:F1} passes over the store (each further pass reshuffles it)" : $": {job.Passes:P0} of one pass over the store"));
        log.WriteLine($"  a latent counts as dead after {options.DeadWindow:N0} steps ({(long)options.DeadWindow * options.BatchSize:N0} tokens) without firing" +
                      (architecture.Definition().UsesAuxK ? "; AuxK trains those" : ""));

        if (!CtrlC.TryRun(cancel => ProgressDisplay.Run<SaeTrainProgress, SaeTrainResult>("train-sae", quiet,
                progress => job.Run(progress, cancel, log.WriteLine)),
                $"interrupted: checkpoint saved in {job.CheckpointFolder}; re-run the same command with --resume to continue", out var result))
            return CtrlC.ExitCode;

        using (result)
        {
            var last = result.Last;
            if (result.Steps < options.TotalSteps)
                log.WriteLine($"note: the activation source ran out after {result.Steps:N0} of {options.TotalSteps:N0} steps");
            var (d, rows) = (source.D, source.Rows);
            summary = w =>
            {
                w.WriteString("out", outDir);
                w.WriteString("architecture", architecture.ToSaeLensName());
                w.WriteString("hook_name", manifest.Hook);
                w.WriteNumber("d_in", d);
                w.WriteNumber("d_sae", latents);
                w.WriteNumber("steps", result.Steps);
                w.WriteNumber("tokens", result.Tokens);
                w.WriteNumber("store_tokens", rows);
                w.WriteNumber("passes", Math.Round(result.Tokens / (double)rows, 3));
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
            };
            if (last is not null)
                log.WriteLine($"done: {result.Steps:N0} steps, {result.Tokens:N0} tokens in {result.Seconds:F1} s | last {options.LogEvery} steps: " +
                              $"loss {last.Loss:F4}, L0 {last.L0:F1}, explained variance {last.ExplainedVariance:F4}, dead {last.DeadFraction:P1}");
            log.WriteLine($"saved {Path.Combine(outDir, SaeFolder.ConfigFileName)} + {SaeFolder.WeightsFileName}; " +
                          $"log {Path.Combine(outDir, SaeTrainer.LogFileName)}");
            return 0;
        }
    }
}
