using System.CommandLine;
using Interp.Circuits;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp dla (--ids | --prompt) --token T [--position P] [--json]</c>: a logit split into what each component wrote
/// (see <see cref="DirectLogitAttribution"/>).
/// </summary>
public static class DlaCommand
{
    private const int TableRows = 20;

    public static Command Create()
    {
        var common = new CircuitVerbOptions();
        var prompt = new CircuitPromptOptions();
        var token = new Option<string>("--token") { Description = "The token whose logit is split: an id, or one token's text (e.g. ' Paris')", Required = true };
        var position = new Option<int?>("--position") { Description = "The position (default: the last)" };
        var command = new Command("dla", "Direct logit attribution: a token's logit split over embeddings, heads, attention biases, MLPs and ln_final's bias") { token, position };
        prompt.AddTo(command);
        common.AddTo(command);
        command.SetAction(CliApp.Guard(common.Flags, parse =>
        {
            using var model = common.LoadModel(parse);
            var ids = prompt.Read(parse, model, common.PrependBos(parse));
            common.Flags["Ids"] = prompt.Flag;
            var target = CircuitPromptOptions.Token(model, parse.GetValue(token)!, "--token");
            var result = DirectLogitAttribution.Run(model, ids, target, parse.GetValue(position));
            if (parse.GetValue(common.Json))
            {
                JsonOutput.Write(w =>
                {
                    w.WriteNumber("position", result.Position);
                    w.WriteNumber("token", result.Token);
                    w.WriteNumber("logit", result.Logit);
                    CircuitJson.WriteArray(w, "components", result.Components, (w, c) =>
                    {
                        w.WriteStartObject();
                        w.WriteString("name", c.Name);
                        w.WriteNumber("value", c.Value);
                        w.WriteEndObject();
                    });
                });
                return 0;
            }
            var strings = PromptTokens.Strings(model, [.. ids, result.Token]);
            Console.WriteLine($"logit of {CircuitPromptOptions.Quote(strings[^1])} ({result.Token}) at position {result.Position} " +
                              $"({CircuitPromptOptions.Quote(strings[result.Position])}): {result.Logit:F4}; its {result.Components.Count} components sum to " +
                              $"{result.Components.Sum(c => c.Value):F4}");
            var largest = result.Components.OrderByDescending(c => Math.Abs(c.Value)).Take(TableRows).ToList();
            var scale = Math.Max(1e-9, Math.Abs(largest[0].Value));
            foreach (var c in largest)
                Console.WriteLine($"  {c.Name,-22} {c.Value,10:F4}  {new string(c.Value >= 0 ? '+' : '-', (int)Math.Round(20 * Math.Abs(c.Value) / scale))}");
            if (result.Components.Count > TableRows) Console.WriteLine($"  … {result.Components.Count - TableRows} smaller ones (--json has them all)");
            return 0;
        }));
        return command;
    }
}
