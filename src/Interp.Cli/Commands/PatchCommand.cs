using System.CommandLine;
using Interp.Circuits;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp patch (--clean IDS | --clean-prompt TEXT) (--corrupt IDS | --corrupt-prompt TEXT) --answer A --wrong B
/// --hook resid_pre|attn_out|mlp_out|z [--json]</c>: activation patching over layers × positions (see
/// <see cref="ActivationPatching"/>).
/// </summary>
public static class PatchCommand
{
    private static readonly string[] Hooks = [.. Enum.GetValues<PatchTarget>().Select(ActivationPatching.Name)];

    public static Command Create()
    {
        var common = new CircuitVerbOptions();
        var clean = new CircuitPromptOptions("--clean", "--clean-prompt", " clean");
        var corrupt = new CircuitPromptOptions("--corrupt", "--corrupt-prompt", " corrupt");
        var answer = new Option<string>("--answer") { Description = "The right next token: an id, or one token's text (e.g. ' Mary')", Required = true };
        var wrong = new Option<string>("--wrong") { Description = "The wrong next token the logit difference is taken against", Required = true };
        var hook = new Option<string>("--hook") { Description = $"What to patch: {string.Join(", ", Hooks)}", Required = true };
        var command = new Command("patch", "Activation patching: the clean activation patched into the corrupt run at each layer and position; " +
                                           "the normalised logit difference (patched − corrupt) / (clean − corrupt) at the last position") { answer, wrong, hook };
        clean.AddTo(command);
        corrupt.AddTo(command);
        common.AddTo(command);
        command.SetAction(CliApp.Guard(common.Flags, parse =>
        {
            var target = Enum.GetValues<PatchTarget>().FirstOrDefault(t => ActivationPatching.Name(t) == parse.GetValue(hook), (PatchTarget)(-1));
            if (!Enum.IsDefined(target)) throw new InterpException($"--hook '{parse.GetValue(hook)}': expected one of {string.Join(", ", Hooks)}");
            using var model = common.LoadModel(parse);
            var bos = common.PrependBos(parse);
            var (cleanIds, corruptIds) = (clean.Read(parse, model, bos), corrupt.Read(parse, model, bos));
            (common.Flags["Clean"], common.Flags["Corrupt"]) = (clean.Flag, corrupt.Flag);
            var (a, b) = (CircuitPromptOptions.Token(model, parse.GetValue(answer)!, "--answer"), CircuitPromptOptions.Token(model, parse.GetValue(wrong)!, "--wrong"));
            var result = ActivationPatching.Run(model, cleanIds, corruptIds, a, b, target);
            if (parse.GetValue(common.Json))
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("hook", result.Hook);
                    w.WriteNumber("clean_diff", result.CleanDiff);
                    w.WriteNumber("corrupt_diff", result.CorruptDiff);
                    CircuitJson.WriteGrid(w, "values", result.Values, (w, v) => w.WriteNumberValue(v));
                    if (result.HeadValues is { } heads)
                        CircuitJson.WriteArray(w, "head_values", heads, (w, layer) => CircuitJson.WriteRow(w, layer, (w, position) =>
                            CircuitJson.WriteRow(w, position, (w, v) => w.WriteNumberValue(v))));
                    if (result.FinalResidual is { } final) CircuitJson.WriteArray(w, "final_resid", final, (w, v) => w.WriteNumberValue(v));
                });
                return 0;
            }
            var tokens = PromptTokens.Strings(model, cleanIds);
            Console.WriteLine($"patching {result.Hook}: logit difference {CircuitPromptOptions.Quote(PromptTokens.Strings(model, [a])[0])} − " +
                              $"{CircuitPromptOptions.Quote(PromptTokens.Strings(model, [b])[0])} clean {result.CleanDiff:F4}, corrupt {result.CorruptDiff:F4}; " +
                              "each cell is (patched − corrupt) / (clean − corrupt)");
            Console.WriteLine($"{"pos",4}  {"clean token",-14}" + string.Concat(Enumerable.Range(0, result.Values.Length).Select(l => $" {"L" + l,7}")) +
                              (result.FinalResidual is null ? "" : $" {"final",7}"));
            for (var p = 0; p < cleanIds.Length; p++)
                Console.WriteLine($"{p,4}  {CircuitPromptOptions.Quote(tokens[p], 14),-14}" + string.Concat(result.Values.Select(row => $" {row[p],7:F3}")) +
                                  (result.FinalResidual is { } f ? $" {f[p],7:F3}" : ""));
            if (result.HeadValues is { } headValues)
            {
                var cells = headValues.SelectMany((layer, l) => layer.SelectMany((position, p) => position.Select((v, h) => (l, p, h, v))))
                    .OrderByDescending(c => Math.Abs(c.v)).Take(10);
                Console.WriteLine("largest single heads:");
                foreach (var (l, p, h, v) in cells) Console.WriteLine($"  L{l}H{h} at position {p} ({CircuitPromptOptions.Quote(tokens[p])}): {v:F3}");
            }
            return 0;
        }));
        return command;
    }
}
