using System.CommandLine;
using Interp.Core;
using Interp.Model;
using Interp.Sae;
using Interp.Sae.Architectures;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench sae</c>: SAE training throughput (tokens/s) for TopK and ReLU, converted to GFLOP/s with the dense
/// count of <see cref="SaeBenchmark.DenseFlopsPerStep"/>, against libtorch's float32 matmul rate measured in the same run.
/// </summary>
public static class BenchSaeCommand
{
    public static Command Create()
    {
        var (device, json) = (CommonOptions.Device(), CommonOptions.Json());
        var dIn = new Option<int>("--d-in") { Description = "Activation width (GPT-2 small: 768)", DefaultValueFactory = _ => 768 };
        var dSae = new Option<int>("--d-sae") { Description = "Latents", DefaultValueFactory = _ => 16_384 };
        var batch = new Option<int>("--batch") { Description = "Rows per step", DefaultValueFactory = _ => 4096 };
        var k = new Option<int>("--k") { Description = "TopK's k", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Timed steps per architecture (after one warm-up step; the median is kept)", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating matmul/training rounds (best of each is kept)", DefaultValueFactory = _ => 1 };
        var threads = ThreadsOption.Create();
        var arch = new Option<string[]>("--arch") { Description = "Architectures to time", DefaultValueFactory = _ => ["topk", "relu"], AllowMultipleArgumentsPerToken = true };
        var command = new Command("sae", "SAE training throughput (TopK and ReLU) against libtorch's matmul rate, measured side by side")
            { dIn, dSae, batch, k, steps, rounds, arch, device, threads, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var (width, latents, rows, kk, n, r) = (parse.GetValue(dIn), parse.GetValue(dSae), parse.GetValue(batch), parse.GetValue(k), parse.GetValue(steps), parse.GetValue(rounds));
            foreach (var (name, value) in new[] { ("--d-in", width), ("--d-sae", latents), ("--batch", rows), ("--steps", n), ("--rounds", r) })
                if (value <= 0) throw new InterpException($"{name} {value}: must be positive");
            var architectures = parse.GetValue(arch)!.Select(a => SaeArchitectures.Parse(a, "--arch").Id).Distinct().ToArray();
            if (architectures.Any(a => a.Definition().UsesK) && (kk <= 0 || kk > latents))
                throw new InterpException($"--k {kk}: must be between 1 and --d-sae {latents}");
            var dev = DeviceSelection.Resolve(parse.GetValue(device));
            if (!asJson)
                Console.WriteLine($"bench sae: d_in {width}, d_sae {latents}, batch {rows}, k {kk}; {n} timed step(s) per architecture, {r} round(s), " +
                                  $"{TorchSharp.torch.get_num_threads()} libtorch thread(s) on {dev.type}");
            var results = SaeBenchmark.Run(architectures, width, latents, rows, kk, n, r, dev, asJson ? null : line => Console.WriteLine($"  {line}"));
            if (asJson)
            {
                JsonOutput.Write(w =>
                {
                    w.WriteNumber("d_in", width);
                    w.WriteNumber("d_sae", latents);
                    w.WriteNumber("batch", rows);
                    w.WriteNumber("k", kk);
                    w.WriteNumber("steps", n);
                    w.WriteString("flops_per_step", "10 * batch * d_in * d_sae");
                    w.WriteNumber("matmul_gflops_per_second", Math.Round(results[0].MatmulGflopsPerSecond, 2));
                    w.WriteStartArray("results");
                    foreach (var x in results)
                    {
                        w.WriteStartObject();
                        w.WriteString("architecture", x.Architecture.ToSaeLensName());
                        w.WriteNumber("seconds_per_step", Math.Round(x.SecondsPerStep, 4));
                        w.WriteNumber("tokens_per_second", Math.Round(x.TokensPerSecond));
                        w.WriteNumber("gflops_per_second", Math.Round(x.GflopsPerSecond, 2));
                        w.WriteNumber("ratio", Math.Round(x.Ratio, 4));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
                return 0;
            }
            Console.WriteLine();
            Console.WriteLine($"{"architecture",-13} {"s/step",8} {"tokens/s",10} {"GFLOP/s",9} {"matmul GFLOP/s",15} {"ratio",6}");
            foreach (var x in results)
                Console.WriteLine($"{x.Architecture.ToSaeLensName() + (x.K > 0 ? $" k={x.K}" : ""),-13} {x.SecondsPerStep,8:F3} {x.TokensPerSecond,10:N0} " +
                                  $"{x.GflopsPerSecond,9:F1} {x.MatmulGflopsPerSecond,15:F1} {x.Ratio,6:P0}");
            Console.WriteLine($"GFLOP/s counts 10·batch·d_in·d_sae FLOPs a step (encoder and decoder matmuls forward, their weight gradients and the latents' gradient).");
            return 0;
        }));
        return command;
    }
}
