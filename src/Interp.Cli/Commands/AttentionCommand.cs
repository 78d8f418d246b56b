using System.CommandLine;
using Interp.Circuits;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp attention (--ids | --prompt) [--layer L] [--json]</c>: every head's attention pattern (see
/// <see cref="AttentionPatterns"/>); the table sums each head up by where it looks.
/// </summary>
public static class AttentionCommand
{
    public static Command Create()
    {
        var common = new CircuitVerbOptions();
        var prompt = new CircuitPromptOptions();
        var layer = new Option<int?>("--layer") { Description = "One layer (default: all)" };
        var command = new Command("attention", "Attention patterns: each head's query × key weights") { layer };
        prompt.AddTo(command);
        common.AddTo(command);
        command.SetAction(CliApp.Guard(common.Flags, parse =>
        {
            using var model = common.LoadModel(parse);
            var ids = prompt.Read(parse, model, common.PrependBos(parse));
            common.Flags["Ids"] = prompt.Flag;
            var result = AttentionPatterns.Run(model, ids, parse.GetValue(layer));
            if (parse.GetValue(common.Json))
            {
                JsonOutput.Write(w =>
                {
                    CircuitJson.WriteTokens(w, result.TokenIds, PromptTokens.Strings(model, result.TokenIds));
                    CircuitJson.WriteArray(w, "layers", result.Layers, (w, l) =>
                    {
                        w.WriteStartObject();
                        w.WriteNumber("layer", l.Layer);
                        CircuitJson.WriteArray(w, "patterns", l.Patterns, (w, head) => CircuitJson.WriteRow(w, head.Select(row => row), (w, r) =>
                            CircuitJson.WriteRow(w, r, (w, v) => w.WriteNumberValue(v))));
                        w.WriteEndObject();
                    });
                });
                return 0;
            }
            Console.WriteLine($"attention over {ids.Length} tokens: each head's mean weight on the query itself, the previous token and the first token " +
                              "(--json has every pattern)");
            Console.WriteLine($"  {"head",-7} {"self",6} {"previous",9} {"first",6}");
            foreach (var l in result.Layers)
                for (var h = 0; h < l.Patterns.Length; h++)
                {
                    var rows = l.Patterns[h];
                    var self = rows.Select((row, q) => row[q]).Average();
                    var previous = ids.Length > 1 ? rows.Skip(1).Select((row, q) => row[q]).Average() : 0;
                    var first = rows.Select(row => row[0]).Average();
                    Console.WriteLine($"  {$"L{l.Layer}H{h}",-7} {self,6:F3} {previous,9:F3} {first,6:F3}");
                }
            return 0;
        }));
        return command;
    }
}
