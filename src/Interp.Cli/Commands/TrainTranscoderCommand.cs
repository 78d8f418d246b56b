using System.CommandLine;
using Interp.Core;
using Interp.Sae;
using Interp.Sae.Architectures;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp train-transcoder --activations DIR --layer L [--skip] --arch topk|jumprelu|relu --d-sae N --out DIR</c>:
/// train a transcoder that replaces block L's MLP, from <c>blocks.L.ln2.hook_normalized</c> to <c>blocks.L.hook_mlp_out</c>
/// (both harvested in one run), with the SAE trainer; SAELens's transcoder layout out.
/// </summary>
public static class TrainTranscoderCommand
{
    public static Command Create()
    {
        var defaults = new TrainTranscoderJobOptions { Activations = "", Layer = 0, OutDirectory = "" };
        var (device, json, quiet) = (CommonOptions.Device(), CommonOptions.Json(), CommonOptions.Quiet());
        var activations = new Option<string>("--activations") { Description = "Activation store root holding blocks.L.ln2.hook_normalized and blocks.L.hook_mlp_out of one harvest", Required = true };
        var layer = new Option<int>("--layer") { Description = "The block whose MLP the transcoder replaces", Required = true };
        var skip = new Option<bool>("--skip") { Description = "Add a linear skip connection W_skip (SAELens's skip_transcoder)" };
        var arch = new Option<string>("--arch") { Description = "topk, jumprelu or relu", DefaultValueFactory = _ => "topk" };
        var dSae = new Option<int?>("--d-sae") { Description = $"Latents (default {TrainSaeJobOptions.ExpansionFactor} × d_in)" };
        var k = new Option<int>("--k") { Description = "Latents per token for topk", DefaultValueFactory = _ => defaults.K };
        var l1 = new Option<double?>("--l1") { Description = "Sparsity coefficient: L1 for relu (default 5), L0 for jumprelu (default 1)" };
        var learningRate = new Option<double>("--lr") { Description = "Adam's peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var tokens = new Option<long>("--tokens") { Description = "Pairs of rows to train on; more than the store holds makes further shuffled passes", DefaultValueFactory = _ => defaults.Tokens };
        var batch = new Option<int>("--batch") { Description = "Rows per step", DefaultValueFactory = _ => defaults.BatchSize };
        var deadWindow = new Option<int?>("--dead-window") { Description = "Steps without firing after which a latent counts as dead (default: a tenth of the steps)" };
        var auxK = new Option<double?>("--aux-k-coefficient") { Description = "AuxK's weight for topk (default 1/32); 0 turns AuxK off" };
        var kAux = new Option<int?>("--k-aux") { Description = "Dead latents each token may use in AuxK (default d_in / 2)" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (also at the end and on Ctrl+C)", DefaultValueFactory = _ => defaults.CheckpointEvery };
        var resume = new Option<bool>("--resume") { Description = "Continue the run whose checkpoint is in --out (same options and store)" };
        var seed = new Option<int>("--seed") { Description = "Seeds the initial weights and the data order", DefaultValueFactory = _ => defaults.Seed };
        var threads = ThreadsOption.Create();
        var output = new Option<string>("--out") { Description = "Transcoder folder: cfg.json, sae_weights.safetensors, training_log.jsonl, checkpoint/", Required = true };
        var command = new Command("train-transcoder", "Train a transcoder (topk, jumprelu, relu; optional skip) replacing one block's MLP; SAELens transcoder layout out")
            { activations, layer, skip, arch, dSae, k, l1, learningRate, tokens, batch, deadWindow, auxK, kAux, device, checkpointEvery, resume, seed, output, threads, json, quiet };
        var flags = new Dictionary<string, string>
        {
            [nameof(TrainTranscoderJobOptions.BatchSize)] = "--batch", [nameof(TrainTranscoderJobOptions.Tokens)] = "--tokens",
            [nameof(TrainTranscoderJobOptions.CheckpointEvery)] = "--checkpoint-every", [nameof(TrainTranscoderJobOptions.LearningRate)] = "--lr",
            [nameof(TrainTranscoderJobOptions.SparsityCoefficient)] = "--l1", [nameof(TrainTranscoderJobOptions.DSae)] = "--d-sae",
            [nameof(TrainTranscoderJobOptions.K)] = "--k", [nameof(TrainTranscoderJobOptions.Layer)] = "--layer",
            [nameof(TrainTranscoderJobOptions.Architecture)] = "--arch", [nameof(TrainTranscoderJobOptions.DeadWindow)] = "--dead-window",
            [nameof(TrainTranscoderJobOptions.AuxKCoefficient)] = "--aux-k-coefficient", [nameof(TrainTranscoderJobOptions.KAux)] = "--k-aux",
            [nameof(TrainTranscoderJobOptions.Resume)] = "--resume", [nameof(TrainTranscoderJobOptions.OutDirectory)] = "--out",
        };
        command.SetAction(CliApp.Guard(flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var job = TrainTranscoderJob.Open(new TrainTranscoderJobOptions
            {
                Activations = parse.GetValue(activations)!, Layer = parse.GetValue(layer), Skip = parse.GetValue(skip),
                Architecture = SaeArchitectures.Parse(parse.GetValue(arch), "--arch").Id, DSae = parse.GetValue(dSae), K = parse.GetValue(k),
                SparsityCoefficient = parse.GetValue(l1), LearningRate = parse.GetValue(learningRate), Tokens = parse.GetValue(tokens),
                BatchSize = parse.GetValue(batch), DeadWindow = parse.GetValue(deadWindow), AuxKCoefficient = parse.GetValue(auxK), KAux = parse.GetValue(kAux),
                CheckpointEvery = parse.GetValue(checkpointEvery), Resume = parse.GetValue(resume), Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!, OutDirectory = parse.GetValue(output)!,
            });
            var (source, options) = (job.Source, job.Training);
            var name = TranscoderNames.Of(options.Architecture, options.Skip);
            if (job.Start == TrainSaeStart.ResumeWithoutCheckpoint) log.WriteLine($"note: --resume: no checkpoint in {options.OutDirectory}; starting a new run");
            log.WriteLine($"train-transcoder: {name} d_in={source.DIn} d_sae={options.DSae}{(options.Architecture.Definition().UsesK ? $" k={options.K}" : "")} d_out={source.DOut} " +
                          $"from {options.HookName} to {options.OutputHookName} of {options.ModelName}");
            log.WriteLine($"  {source.Rows:N0} pairs of rows{(source.BosRows > 0 ? $" ({source.BosRows:N0} BOS rows left out)" : "")}, in memory ({source.Bytes / 1e6:F0} MB); " +
                          $"{options.TrainingTokens:N0} tokens = {options.TotalSteps:N0} steps of {options.BatchSize:N0} ({job.Passes:F1} passes)");
            if (!CtrlC.TryRun(cancel => ProgressDisplay.Run<SaeTrainProgress, SaeTrainResult>("train-transcoder", parse.GetValue(quiet),
                    progress => job.Run(progress, cancel, log.WriteLine)),
                    $"interrupted: checkpoint saved in {job.CheckpointFolder}; re-run the same command with --resume to continue", out var result))
                return CtrlC.ExitCode;
            using (result)
            {
                var last = result.Last;
                if (last is not null)
                    log.WriteLine($"done: {result.Steps:N0} steps, {result.Tokens:N0} tokens in {result.Seconds:F1} s | last {options.LogEvery} steps: " +
                                  $"loss {last.Loss:F4}, L0 {last.L0:F1}, explained variance {last.ExplainedVariance:F4}, dead {last.DeadFraction:P1}");
                log.WriteLine($"saved {Path.Combine(options.OutDirectory, SaeFolder.ConfigFileName)} + {SaeFolder.WeightsFileName}; log {Path.Combine(options.OutDirectory, SaeTrainer.LogFileName)}");
                if (asJson)
                    JsonOutput.Write(w =>
                    {
                        w.WriteString("out", options.OutDirectory);
                        w.WriteString("architecture", name);
                        w.WriteString("hook_name", options.HookName);
                        w.WriteString("hook_name_out", options.OutputHookName);
                        w.WriteNumber("d_in", source.DIn);
                        w.WriteNumber("d_sae", options.DSae!.Value);
                        w.WriteNumber("d_out", source.DOut);
                        w.WriteNumber("steps", result.Steps);
                        w.WriteNumber("tokens", result.Tokens);
                        w.WriteNumber("seconds", Math.Round(result.Seconds, 2));
                        if (last is not null)
                        {
                            w.WriteNumber("loss", last.Loss);
                            w.WriteNumber("l0", last.L0);
                            w.WriteNumber("explained_variance", last.ExplainedVariance);
                            w.WriteNumber("dead_fraction", last.DeadFraction);
                        }
                    });
                return 0;
            }
        }));
        return command;
    }
}
