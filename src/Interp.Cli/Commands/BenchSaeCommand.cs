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
        var peer = new Option<string?>("--peer") { Description = "The PyTorch peer script (peer_torch.py): run after each round with the same threads, and the ratios printed" };
        var peerPython = new Option<string>("--peer-python") { Description = "The Python that runs --peer (Debian's, with python3-torch)", DefaultValueFactory = _ => PyTorchPeer.DefaultPython };
        var command = new Command("sae", "SAE training throughput (TopK and ReLU) against libtorch's matmul rate and, with --peer, PyTorch's, measured side by side")
            { dIn, dSae, batch, k, steps, rounds, arch, peer, peerPython, device, threads, json };
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
            var peerScript = parse.GetValue(peer);
            if (peerScript is not null && (width, latents, rows, kk) != PyTorchPeer.Shape)
                throw new InterpException($"--peer: the peer times d_in {PyTorchPeer.Shape.DIn}, d_sae {PyTorchPeer.Shape.DSae}, batch {PyTorchPeer.Shape.Batch}, k {PyTorchPeer.Shape.K}; leave --d-in, --d-sae, --batch and --k at those");
            Action<string>? progress = asJson ? null : line => Console.WriteLine($"  {line}");
            IReadOnlyList<SaeBenchmarkResult> results;
            var peerRounds = new List<(IReadOnlyList<SaeBenchmarkResult> Interp, IReadOnlyDictionary<string, double> Peer)>();
            if (peerScript is null)
                results = SaeBenchmark.Run(architectures, width, latents, rows, kk, n, r, dev, progress);
            else
            {
                for (var round = 0; round < r; round++)                                        // Interp, then the peer, in the same minute
                {
                    var prefix = $"round {round + 1}:";
                    var ours = SaeBenchmark.Run(architectures, width, latents, rows, kk, n, 1, dev,
                        progress is null ? null : line => progress(line.Replace("round 1:", prefix, StringComparison.Ordinal)));
                    var theirs = PyTorchPeer.Run(parse.GetValue(peerPython)!, peerScript, TorchSharp.torch.get_num_threads());
                    progress?.Invoke($"round {round + 1}: peer " + string.Join(", ", theirs.Select(p => $"{p.Key} {p.Value:N0} tokens/s")));
                    peerRounds.Add((ours, theirs));
                }
                results = peerRounds.Select(p => p.Interp).Aggregate((best, next) => best.Zip(next, (a, b) => a.SecondsPerStep <= b.SecondsPerStep ? a : b).ToArray());
            }
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
                        w.WriteNumber("one_matmul_tokens_per_second", Math.Round(x.OneMatmulTokensPerSecond));
                        w.WriteNumber("of_one_matmul_limit", Math.Round(x.OfOneMatmulLimit, 4));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    if (peerRounds.Count > 0)
                    {
                        w.WriteStartArray("peer_rounds");
                        foreach (var (ours, theirs) in peerRounds)
                        {
                            w.WriteStartObject();
                            foreach (var x in ours)
                                if (PeerRate(theirs, x.Architecture) is { } rate)
                                {
                                    var name = x.Architecture.ToSaeLensName();
                                    w.WriteNumber($"{name}_tokens_per_second", Math.Round(x.TokensPerSecond));
                                    w.WriteNumber($"{name}_peer_tokens_per_second", Math.Round(rate));
                                    w.WriteNumber($"{name}_over_peer", Math.Round(x.TokensPerSecond / rate, 3));
                                }
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                });
                return 0;
            }
            Console.WriteLine();
            Console.WriteLine($"{"architecture",-13} {"s/step",8} {"tokens/s",10} {"GFLOP/s",9} {"matmul GFLOP/s",15} {"ratio",6} {"one-matmul limit",17}");
            foreach (var x in results)
                Console.WriteLine($"{x.Architecture.ToSaeLensName() + (x.K > 0 ? $" k={x.K}" : ""),-13} {x.SecondsPerStep,8:F3} {x.TokensPerSecond,10:N0} " +
                                  $"{x.GflopsPerSecond,9:F1} {x.MatmulGflopsPerSecond,15:F1} {x.Ratio,6:P0} {$"{x.OneMatmulTokensPerSecond:N0} ({x.OfOneMatmulLimit:P0})",17}");
            Console.WriteLine($"GFLOP/s counts 10·batch·d_in·d_sae FLOPs a step (encoder and decoder matmuls forward, their weight gradients and the latents' gradient);");
            Console.WriteLine($"the one-matmul limit is the tokens/s of a step that did only the encoder's forward matmul (2·batch·d_in·d_sae FLOPs) at the matmul rate, and how close each gets.");
            if (peerRounds.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine($"{"round",5} {"architecture",-13} {"Interp tokens/s",16} {"PyTorch tokens/s",17} {"Interp / PyTorch",17}");
                for (var i = 0; i < peerRounds.Count; i++)
                    foreach (var x in peerRounds[i].Interp)
                        if (PeerRate(peerRounds[i].Peer, x.Architecture) is { } rate)
                            Console.WriteLine($"{i + 1,5} {x.Architecture.ToSaeLensName(),-13} {x.TokensPerSecond,16:N0} {rate,17:N0} {x.TokensPerSecond / rate,16:F2}×");
                Console.WriteLine("The peer is the step as SAELens writes it (dense TopK scatter, dense decode, Adam) in PyTorch, run right after Interp with the same threads.");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The peer's tokens/s for the architecture, when it times that one: its "topk" and "relu" (SAELens's standard).</summary>
    private static double? PeerRate(IReadOnlyDictionary<string, double> peer, SaeArchitecture architecture) =>
        PeerNames.TryGetValue(architecture.ToSaeLensName(), out var name) && peer.TryGetValue(name, out var rate) ? rate : null;

    private static readonly Dictionary<string, string> PeerNames = new() { ["topk"] = "topk", ["standard"] = "relu" };
}
