using System.CommandLine;
using System.Diagnostics;
using Interp.Circuits;
using Interp.Core;
using Interp.Model;
using TorchSharp;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench circuits</c>: how long each circuit analysis takes on one prompt (32 tokens by default) — the median of
/// a few timed runs after a warm-up, each analysis as the CLI verb and the web page call it. Beside the wall time it prints
/// the processor time the process spent: with one libtorch thread that is what the run takes on a core of its own, the
/// figure to read on a machine busy with other work.
/// </summary>
public static class BenchCircuitsCommand
{
    private const string Text = "The quick brown fox jumps over the lazy dog. When Mary and John went to the store, John gave a drink to Mary because she was thirsty and tired after the long walk";

    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var tokens = new Option<int>("--tokens") { Description = "Prompt length in tokens", DefaultValueFactory = _ => 32 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per analysis (after one warm-up run; the median is printed)", DefaultValueFactory = _ => 5 };
        var small = new Option<bool>("--gpt2-small-shape") { Description = "Time a GPT-2-small-shaped model with random weights instead (12 layers × 12 heads, d_model 768)" };
        var threads = ThreadsOption.Create();
        var command = new Command("circuits", "Time the logit lens, DLA, activation patching (each hook) and attention patterns on one prompt")
            { model, device, tokens, runs, small, threads };
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var (length, count) = (parse.GetValue(tokens), parse.GetValue(runs));
            if (count <= 0) throw new InterpException($"--runs {count}: must be positive");
            using var gpt2 = parse.GetValue(small) ? RandomGpt2Small(parse.GetValue(device)!) : CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!);
            if (length < 4 || length > gpt2.Config.NPositions)
                throw new InterpException($"--tokens {length}: must be between 4 and the model's n_positions={gpt2.Config.NPositions}");
            var clean = Prompt(gpt2, length);
            var corrupt = clean.Select((id, p) => p == length / 3 || p == length / 2 ? (id + 1) % gpt2.Config.VocabSize : id).ToArray();
            var (answer, wrong) = (clean[1], clean[1] == clean[2] ? (clean[2] + 1) % gpt2.Config.VocabSize : clean[2]);
            var modelName = parse.GetValue(small) ? "a random GPT-2-small-shaped model" : parse.GetValue(model) ?? "the embedded default model";
            Console.WriteLine($"bench circuits: {length}-token prompt on {modelName} " +
                              $"({gpt2.Config.NLayer} layers × {gpt2.Config.NHead} heads, d_model {gpt2.Config.NEmbd}), " +
                              $"{TorchSharp.torch.get_num_threads()} libtorch thread(s) on {gpt2.Device.type}; median of {count} run(s) after a warm-up");
            (string Name, Action Run)[] analyses =
            [
                ("logit-lens (top 5)", () => LogitLens.Run(gpt2, clean)),
                ("dla (last position)", () => DirectLogitAttribution.Run(gpt2, clean, answer)),
                .. Enum.GetValues<PatchTarget>().Select(t => ($"patch {ActivationPatching.Name(t)}", (Action)(() => ActivationPatching.Run(gpt2, clean, corrupt, answer, wrong, t)))),
                ("attention (all layers)", () => AttentionPatterns.Run(gpt2, clean)),
            ];
            Console.WriteLine($"  {"analysis",-24} {"wall median",12} {"fastest",10} {"processor median",17}");
            foreach (var (name, run) in analyses)
            {
                run();
                var times = Enumerable.Range(0, count).Select(_ => Time(run)).ToArray();
                var (wall, processor) = (times.Select(t => t.Wall).Order().ToArray(), times.Select(t => t.Processor).Order().ToArray());
                Console.WriteLine($"  {name,-24} {wall[count / 2],9:F0} ms {wall[0],7:F0} ms {processor[count / 2],14:F0} ms");
            }
            return 0;
        }));
        return command;
    }

    private static Gpt2 RandomGpt2Small(string device)
    {
        var model = new Gpt2(Gpt2Config.Gpt2Small).to(DeviceSelection.Resolve(device));
        model.eval();
        return model;
    }

    /// <summary>BOS and a fixed English text cut to <paramref name="length"/> tokens (ids 1, 2, … for a model without a tokenizer).</summary>
    private static int[] Prompt(Gpt2 model, int length)
    {
        if (model.Tokenizer is null) return [.. Enumerable.Range(1, length).Select(i => i % model.Config.VocabSize)];
        var text = PromptTokens.Encode(model, Text);
        while (text.Length < length) text = [.. text, .. PromptTokens.Encode(model, Text, prependBos: false)];
        return text[..length];
    }

    private static (double Wall, double Processor) Time(Action run)
    {
        using var self = Process.GetCurrentProcess();
        var processor = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        run();
        var wall = watch.Elapsed.TotalMilliseconds;
        self.Refresh();
        return (wall, (self.TotalProcessorTime - processor).TotalMilliseconds);
    }
}
