using System.CommandLine;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Cli.Commands;

/// <summary><c>interp logits --ids 1,2,3 [--json]</c>: the model's float32 logits at every position.</summary>
public static class LogitsCommand
{
    public static Command Create()
    {
        var (model, device, json) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json());
        var ids = new Option<string>("--ids") { Description = "Comma-separated token ids", Required = true };
        var threads = ThreadsOption.Create();
        var command = new Command("logits", "Print the logits for a sequence of token ids") { model, device, ids, threads, json };
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var tokens = TokenIds.Parse(parse.GetValue(ids)!);
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!, processing.Read(parse));
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var input = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], device: gpt2.Device);
            var logits = gpt2.call(input)[0].cpu().data<float>().ToArray();                     // (T·V)
            var vocab = gpt2.Config.VocabSize;
            if (parse.GetValue(json))
                JsonOutput.Write(w =>
                {
                    w.WriteStartArray("logits");
                    for (var t = 0; t < tokens.Length; t++)
                    {
                        w.WriteStartArray();
                        for (var v = 0; v < vocab; v++) w.WriteNumberValue(logits[t * vocab + v]);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                });
            else
                for (var t = 0; t < tokens.Length; t++)
                {
                    var row = new ArraySegment<float>(logits, t * vocab, vocab);
                    var top = Enumerable.Range(0, vocab).OrderByDescending(v => row[v]).Take(5).Select(v => $"{v}:{row[v]:F3}");
                    Console.WriteLine($"position {t} (token {tokens[t]}): top logits {string.Join("  ", top)}");
                }
            return 0;
        }));
        return command;
    }
}
