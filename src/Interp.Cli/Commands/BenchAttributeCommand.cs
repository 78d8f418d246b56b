using System.CommandLine;
using Interp.Circuits.Attribution;

namespace Interp.Cli.Commands;

/// <summary><c>interp bench attribute</c>: how long a prompt's complete and pruned attribution graphs take (random TopK transcoders).</summary>
public static class BenchAttributeCommand
{
    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var tokens = new Option<int>("--tokens") { Description = "Prompt length", DefaultValueFactory = _ => 16 };
        var dSae = new Option<int>("--d-sae") { Description = "Latents per transcoder", DefaultValueFactory = _ => 1024 };
        var k = new Option<int>("--k") { Description = "Active latents per position (TopK)", DefaultValueFactory = _ => 32 };
        var threads = ThreadsOption.Create();
        var command = new Command("attribute", "Time a prompt's attribution graph over one random TopK transcoder per block") { model, device, tokens, dSae, k, threads };
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            foreach (var (option, value) in new[] { (tokens, parse.GetValue(tokens)), (dSae, parse.GetValue(dSae)), (k, parse.GetValue(k)) })
                if (value < 1) throw new Interp.Core.InterpException($"{option.Name} {value}: must be positive");
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!);
            var r = AttributionBenchmark.Run(gpt2, parse.GetValue(tokens), parse.GetValue(dSae), parse.GetValue(k));
            Console.WriteLine($"{r.Tokens} tokens, {gpt2.Config.NLayer} transcoders of d_sae {r.DSae} (TopK k={r.K}): {r.Features:N0} active features");
            Console.WriteLine($"complete graph: {r.CompleteNodes:N0} nodes, {r.CompleteEdges:N0} edges in {r.CompleteSeconds:F2} s");
            Console.WriteLine($"pruned graph:   {r.PrunedNodes:N0} nodes, {r.PrunedEdges:N0} edges in {r.PrunedSeconds:F2} s");
            return 0;
        }));
        return command;
    }
}
