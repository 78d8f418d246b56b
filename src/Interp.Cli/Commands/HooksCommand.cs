using System.CommandLine;
using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Cli.Commands;

/// <summary><c>interp hooks [--positions T] [--json]</c>: every hook point with its activation shape for a 1×T input.</summary>
public static class HooksCommand
{
    public static Command Create()
    {
        var (model, json) = (CommonOptions.Model(), CommonOptions.Json());
        var positions = new Option<int>("--positions") { Description = "T, the input length used to report shapes", DefaultValueFactory = _ => 4 };
        var command = new Command("hooks", "List every hook point (TransformerLens names) with its shape") { model, positions, json };
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(parse =>
        {
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), "cpu", processing.Read(parse));
            var length = parse.GetValue(positions);
            if (length < 1 || length > gpt2.Config.NPositions)
                throw new InterpException($"--positions {length} must be between 1 and n_positions={gpt2.Config.NPositions}");
            using var noGrad = no_grad();
            using var input = zeros(1, length, dtype: ScalarType.Int64);
            var (logits, cache) = gpt2.RunWithCache(input);
            using (cache)
            using (logits)
            {
                var shapes = gpt2.HookPoints.Keys.Select(name => (name, shape: cache[new(name)].shape)).ToArray();
                if (parse.GetValue(json))
                    JsonOutput.Write(w =>
                    {
                        w.WriteStartArray("hooks");
                        foreach (var (name, shape) in shapes)
                        {
                            w.WriteStartObject();
                            w.WriteString("name", name);
                            w.WriteStartArray("shape");
                            foreach (var d in shape) w.WriteNumberValue(d);
                            w.WriteEndArray();
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                else
                    foreach (var (name, shape) in shapes) Console.WriteLine($"{name,-32} [{string.Join(", ", shape)}]");
            }
            return 0;
        }));
        return command;
    }
}
