using System.CommandLine;
using Interp.Model;
using Interp.Model.Benchmarks;
using Interp.Model.Harvest;
using TorchSharp;

namespace Interp.Cli.Commands;

/// <summary><c>interp bench forward</c>: speed measured side by side with the machine's matmul rate, printed as ratios.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass", DefaultValueFactory = _ => HarvestOptions.DefaultBatchSize };
        var context = new Option<int>("--ctx") { Description = "Tokens per context", DefaultValueFactory = _ => ContextBuilder.DefaultCtx };
        var skipSmall = new Option<bool>("--skip-gpt2-small") { Description = "Only the chosen model, not also a random GPT-2-small-shaped one" };
        var forward = new Command("forward", "Forward throughput (tokens/s, GFLOP/s) against libtorch's float32 matmul rate")
            { model, device, batch, context, skipSmall };
        forward.SetAction(CliApp.Guard(parse =>
        {
            var results = new List<ForwardBenchmarkResult>();
            using (var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!))
                results.Add(ForwardBenchmark.Run(parse.GetValue(model) ?? "embedded default", gpt2, parse.GetValue(batch), parse.GetValue(context)));
            if (!parse.GetValue(skipSmall))
            {
                using var small = new Gpt2(Gpt2Config.Gpt2Small).to(DeviceSelection.Resolve(parse.GetValue(device)));
                small.eval();
                results.Add(ForwardBenchmark.Run("random GPT-2 small shape", small, parse.GetValue(batch), parse.GetValue(context)));
            }
            Console.WriteLine($"{"model",-26} {"params",10} {"batch×ctx",10} {"tokens/s",10} {"model GFLOP/s",14} {"matmul GFLOP/s",15} {"ratio",6}");
            foreach (var r in results)
                Console.WriteLine($"{r.Model,-26} {r.Parameters / 1e6,9:F1}M {r.Batch + "×" + r.Context,10} {r.TokensPerSecond,10:F0} " +
                                  $"{r.ModelGflopsPerSecond,14:F1} {r.MatmulGflopsPerSecond,15:F1} {r.Ratio,6:P0}");
            return 0;
        }));
        return new Command("bench", "Benchmarks that print ratios measured side by side in one run") { forward, BenchHarvestCommand.Create(), BenchSaeCommand.Create(), BenchAutoInterpCommand.Create(), BenchServeCommand.Create(), BenchAttributeCommand.Create() };
    }
}
