using System.CommandLine;
using Interp.Circuits;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp logit-lens (--ids 1,2,3 | --prompt TEXT) [--top K] [--json]</c>: every residual-stream point read through
/// ln_final and the unembedding (see <see cref="LogitLens"/>).
/// </summary>
public static class LogitLensCommand
{
    public static Command Create()
    {
        var common = new CircuitVerbOptions();
        var prompt = new CircuitPromptOptions();
        var top = new Option<int>("--top") { Description = "Tokens kept per position and layer", DefaultValueFactory = _ => 5 };
        var command = new Command("logit-lens", "The logit lens: the top tokens each residual-stream point predicts, at every position") { top };
        prompt.AddTo(command);
        common.AddTo(command);
        command.SetAction(CliApp.Guard(common.Flags, parse =>
        {
            using var model = common.LoadModel(parse);
            var ids = prompt.Read(parse, model, common.PrependBos(parse));
            common.Flags["Ids"] = prompt.Flag;
            var result = LogitLens.Run(model, ids, parse.GetValue(top));
            var strings = PromptTokens.Strings(model, result.TokenIds);
            if (parse.GetValue(common.Json))
            {
                JsonOutput.Write(w =>
                {
                    CircuitJson.WriteTokens(w, result.TokenIds, strings);
                    w.WriteStartArray("layers");
                    foreach (var layer in result.Layers)
                    {
                        w.WriteStartObject();
                        w.WriteString("hook", layer.Hook);
                        CircuitJson.WriteGrid(w, "top_ids", layer.TopIds, (w, v) => w.WriteNumberValue(v));
                        CircuitJson.WriteGrid(w, "top_logprobs", layer.TopLogprobs, (w, v) => w.WriteNumberValue(v));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                });
                return 0;
            }
            Console.WriteLine("logit lens: each point's top token at each position (log-probability); the last column is the model's prediction");
            var columns = result.Layers.Select(l => l.Hook.Replace("blocks.", "", StringComparison.Ordinal).Replace(".hook_", " ", StringComparison.Ordinal)).ToArray();
            Console.WriteLine($"{"pos",4}  {"token",-14}" + string.Concat(columns.Select(c => $"  {c,-22}")));
            for (var p = 0; p < ids.Length; p++)
            {
                var cells = result.Layers.Select(l => $"{CircuitPromptOptions.Quote(PromptTokens.Strings(model, [l.TopIds[p][0]])[0], 14),-14} {l.TopLogprobs[p][0],7:F2}");
                Console.WriteLine($"{p,4}  {CircuitPromptOptions.Quote(strings[p], 14),-14}" + string.Concat(cells.Select(c => $"  {c,-22}")));
            }
            return 0;
        }));
        return command;
    }
}
