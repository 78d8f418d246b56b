using System.CommandLine;
using System.Diagnostics;
using Interp.Circuits;
using Interp.Core;
using Interp.Model;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench circuits</c>: how long each circuit analysis takes on one prompt (32 tokens by default) — the median of
/// a few timed runs after a warm-up, each analysis as the CLI verb and the web page call it.
/// </summary>
public static class BenchCircuitsCommand
{
    private const string Text = "The quick brown fox jumps over the lazy dog. When Mary and John went to the store, John gave a drink to Mary because she was thirsty and tired after the long walk";

    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var tokens = new Option<int>("--tokens") { Description = "Prompt length in tokens", DefaultValueFactory = _ => 32 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per analysis (after one warm-up run; the median is printed)", DefaultValueFactory = _ => 5 };
        var threads = ThreadsOption.Create();
        var command = new Command("circuits", "Time the logit lens, DLA, activation patching (each hook) and attention patterns on one prompt")
            { model, device, tokens, runs, threads };
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var (length, count) = (parse.GetValue(tokens), parse.GetValue(runs));
            if (count <= 0) throw new InterpException($"--runs {count}: must be positive");
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!);
            if (length < 4 || length > gpt2.Config.NPositions)
                throw new InterpException($"--tokens {length}: must be between 4 and the model's n_positions={gpt2.Config.NPositions}");
            var clean = Prompt(gpt2, length);
            var corrupt = clean.Select((id, p) => p == length / 3 || p == length / 2 ? (id + 1) % gpt2.Config.VocabSize : id).ToArray();
            var (answer, wrong) = (clean[1], clean[1] == clean[2] ? (clean[2] + 1) % gpt2.Config.VocabSize : clean[2]);
            Console.WriteLine($"bench circuits: {length}-token prompt on {parse.GetValue(model) ?? "the embedded default model"} " +
                              $"({gpt2.Config.NLayer} layers × {gpt2.Config.NHead} heads, d_model {gpt2.Config.NEmbd}), " +
                              $"{TorchSharp.torch.get_num_threads()} libtorch thread(s) on {gpt2.Device.type}; median of {count} run(s) after a warm-up");
            (string Name, Action Run)[] analyses =
            [
                ("logit-lens (top 5)", () => LogitLens.Run(gpt2, clean)),
                ("dla (last position)", () => DirectLogitAttribution.Run(gpt2, clean, answer)),
                .. Enum.GetValues<PatchTarget>().Select(t => ($"patch {ActivationPatching.Name(t)}", (Action)(() => ActivationPatching.Run(gpt2, clean, corrupt, answer, wrong, t)))),
                ("attention (all layers)", () => AttentionPatterns.Run(gpt2, clean)),
            ];
            Console.WriteLine($"  {"analysis",-24} {"median",10} {"fastest",10}");
            foreach (var (name, run) in analyses)
            {
                run();
                var times = Enumerable.Range(0, count).Select(_ => Time(run)).Order().ToArray();
                Console.WriteLine($"  {name,-24} {times[count / 2],7:F0} ms {times[0],7:F0} ms");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>BOS and a fixed English text cut to <paramref name="length"/> tokens (ids 1, 2, … for a model without a tokenizer).</summary>
    private static int[] Prompt(Gpt2 model, int length)
    {
        if (model.Tokenizer is null) return [.. Enumerable.Range(1, length).Select(i => i % model.Config.VocabSize)];
        var text = PromptTokens.Encode(model, Text);
        while (text.Length < length) text = [.. text, .. PromptTokens.Encode(model, Text, prependBos: false)];
        return text[..length];
    }

    private static double Time(Action run)
    {
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalMilliseconds;
    }
}
