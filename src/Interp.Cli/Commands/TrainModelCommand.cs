using System.CommandLine;
using Interp.Model.Training;

namespace Interp.Cli.Commands;

/// <summary><c>interp train-model --corpus FILE... --out DIR</c>: train a small GPT-2 from scratch (resumes after a kill or Ctrl+C).</summary>
public static class TrainModelCommand
{
    public static Command Create()
    {
        var defaults = new TrainModelOptions { Corpora = [], OutDirectory = "" };
        var corpus = new Option<string[]>("--corpus") { Description = "Text files to train on", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Output folder (Hugging Face layout); a checkpoint inside lets a re-run resume", Required = true };
        var layers = new Option<int>("--n-layer") { DefaultValueFactory = _ => defaults.NLayer };
        var heads = new Option<int>("--n-head") { DefaultValueFactory = _ => defaults.NHead };
        var width = new Option<int>("--n-embd") { DefaultValueFactory = _ => defaults.NEmbd };
        var context = new Option<int>("--ctx") { Description = "Context length (also n_positions)", DefaultValueFactory = _ => defaults.Context };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => defaults.BatchSize };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => defaults.MaxSteps };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => defaults.LearningRate };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => defaults.WarmupSteps };
        var evalEvery = new Option<int>("--eval-every") { DefaultValueFactory = _ => defaults.EvalEvery };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var float32 = new Option<bool>("--save-float32") { Description = "Save float32 weights (default float16, half the size)" };
        var threads = ThreadsOption.Create();
        var command = new Command("train-model", "Train a GPT-2-architecture model from scratch on the CPU (AdamW, warm-up + cosine, held-out split)")
            { corpus, output, layers, heads, width, context, batch, steps, learningRate, warmup, evalEvery, seed, float32, threads };
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var job = TrainModelJob.Prepare(new TrainModelOptions
            {
                Corpora = parse.GetValue(corpus)!, OutDirectory = parse.GetValue(output)!, NLayer = parse.GetValue(layers),
                NHead = parse.GetValue(heads), NEmbd = parse.GetValue(width), Context = parse.GetValue(context),
                BatchSize = parse.GetValue(batch), MaxSteps = parse.GetValue(steps), LearningRate = parse.GetValue(learningRate),
                MinLearningRate = TrainModelOptions.MinLearningRateFor(parse.GetValue(learningRate)), WarmupSteps = parse.GetValue(warmup),
                EvalEvery = parse.GetValue(evalEvery), Seed = parse.GetValue(seed), SaveFloat16 = !parse.GetValue(float32),
            });
            var start = DateTime.UtcNow;
            if (!CtrlC.TryRun(cancel => job.Run(PrintProgress, cancel),
                    "interrupted: the steps done are checkpointed; re-run the same command to resume", out var report))
                return CtrlC.ExitCode;
            Console.WriteLine($"held-out loss {report.HeldOutLoss:F4} nats/token (unigram {report.Baselines.UnigramLoss:F4}, " +
                              $"bigram {report.Baselines.BigramLoss:F4} at λ={report.Baselines.BigramLambda}) after {(DateTime.UtcNow - start).TotalMinutes:F1} min");
            Console.WriteLine($"saved to {job.Options.OutDirectory}");
            return 0;
        }));
        return command;
    }

    private static void PrintProgress(TrainProgress p)
    {
        var eta = TimeSpan.FromSeconds((p.MaxSteps - p.Step) * (p.Tokens / (double)p.Step) / p.TokensPerSecond);
        Console.WriteLine($"step {p.Step,6}/{p.MaxSteps} | loss {p.Loss:F4} | lr {p.LearningRate:E2} | {p.TokensPerSecond,7:F0} tok/s | ETA {eta:hh\\:mm\\:ss}" +
                          (p.HeldOutLoss is { } h ? $" | held-out {h:F4}" : ""));
    }

    /// <summary>The job's options (by property name) → this verb's flags, for refused options.</summary>
    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        [nameof(TrainModelOptions.Corpora)] = "--corpus", [nameof(TrainModelOptions.NLayer)] = "--n-layer", [nameof(TrainModelOptions.NHead)] = "--n-head",
        [nameof(TrainModelOptions.NEmbd)] = "--n-embd", [nameof(TrainModelOptions.Context)] = "--ctx", [nameof(TrainModelOptions.BatchSize)] = "--batch",
        [nameof(TrainModelOptions.MaxSteps)] = "--steps", [nameof(TrainModelOptions.LearningRate)] = "--lr", [nameof(TrainModelOptions.WarmupSteps)] = "--warmup",
        [nameof(TrainModelOptions.EvalEvery)] = "--eval-every",
    };
}
