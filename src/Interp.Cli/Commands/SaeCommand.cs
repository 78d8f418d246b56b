using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Safetensors;
using Interp.Sae;
using Interp.Sae.Architectures;
using static TorchSharp.torch;

namespace Interp.Cli.Commands;

/// <summary><c>interp sae info DIR</c>: an SAE folder's cfg.json, its tensors' shapes and norms, and its training summary.</summary>
public static class SaeCommand
{
    public static Command Create() => new("sae", "Inspect sparse autoencoder folders (SAELens layout)") { Info() };

    private static Command Info()
    {
        var dir = new Argument<string>("DIR") { Description = "SAE folder (cfg.json + sae_weights.safetensors)" };
        var json = CommonOptions.Json();
        var command = new Command("info", "Print an SAE's config, weight shapes, norm summaries and training summary") { dir, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            var folder = parse.GetValue(dir)!;
            using var sae = SparseAutoencoder.Load(folder);                                      // refuses missing keys, bad shapes, NaN
            var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, SaeFolder.ConfigFileName)))!.AsObject();
            List<SafetensorsTensorInfo> tensors;
            using (var file = SafetensorsFile.Open(Path.Combine(folder, SaeFolder.WeightsFileName)))
                tensors = file.Tensors.Values.OrderBy(t => t.Begin).ToList();
            var norms = Norms(sae);
            var training = LastLogLine(Path.Combine(folder, SaeTrainer.LogFileName));

            if (parse.GetValue(json))
            {
                var tensorArray = new JsonArray(tensors.Select(t => (JsonNode?)new JsonObject
                {
                    ["name"] = t.Name, ["dtype"] = t.Dtype.ToString(), ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode?)s).ToArray()),
                }).ToArray());
                var normObject = new JsonObject();
                foreach (var (key, _, s) in norms)
                    normObject[key] = new JsonObject { ["min"] = Finite(s.Min), ["mean"] = Finite(s.Mean), ["max"] = Finite(s.Max) };
                var root = new JsonObject
                {
                    ["folder"] = folder, ["cfg"] = cfg, ["tensors"] = tensorArray, ["norms"] = normObject,
                    ["training"] = training?.DeepClone(),
                };
                Console.WriteLine(root.ToJsonString());
                return 0;
            }

            var c = sae.Config;
            Console.WriteLine($"{folder}");
            Console.WriteLine($"  architecture   {c.SaeLensArchitectureName}{(c.K > 0 ? $" (k = {c.K})" : "")}, d_in {c.DIn}, d_sae {c.DSae} ({c.DSae / (double)c.DIn:0.##} × d_in)" +
                              (c.IsTranscoder ? $", d_out {c.DOut}: a transcoder{(c.HasSkip ? " with a skip connection" : "")}" : ""));
            Console.WriteLine($"  hook           {c.HookName} (layer {c.HookLayer}){(c.IsTranscoder ? $" → {c.OutputHookName} (layer {c.OutputHookLayer})" : "")}");
            Console.WriteLine($"  model          {(c.ModelName.Length > 0 ? c.ModelName : "(not recorded)")}" +
                              (c.ModelWeightsSha256 is { } sha ? $"  weights sha256 {sha[..Math.Min(12, sha.Length)]}…" : ""));
            Console.WriteLine($"  data           context {c.ContextSize?.ToString() ?? "?"}, prepend_bos {c.PrependBos.ToString().ToLowerInvariant()}" +
                              (c.DatasetPath is { Length: > 0 } d ? $", {d}" : ""));
            Console.WriteLine($"  normalisation  {c.NormalizeActivations}{(c.ScalingFactor is { } f ? $", scaling_factor {f:G6}" : "")}, " +
                              $"apply_b_dec_to_input {c.ApplyBDecToInput.ToString().ToLowerInvariant()}, dtype {c.Dtype}");
            Console.WriteLine("  tensors");
            foreach (var t in tensors)
                Console.WriteLine($"    {t.Name,-14} {t.Dtype,-5} [{string.Join(", ", t.Shape)}]");
            Console.WriteLine("  norms                      min        mean         max");
            foreach (var (_, label, s) in norms)
                Console.WriteLine($"    {label,-20} {s.Min,11:G5} {s.Mean,11:G5} {s.Max,11:G5}");
            if (training is not null)
            {
                double Get(string key) => training[key]?.GetValue<double>() ?? double.NaN;
                Console.WriteLine($"  training       {Get("step"):N0} steps, {Get("tokens"):N0} tokens; last report: loss {Get("loss"):F4}, L0 {Get("l0"):F1}, " +
                                  $"explained variance {Get("explained_variance"):F4}, dead {Get("dead_fraction"):P1}");
            }
            return 0;
        }));
        return command;
    }

    private readonly record struct Summary(double Min, double Mean, double Max);

    /// <summary>Decoder row norms, encoder column norms, the biases (values, and ‖b_dec‖) and the threshold when there is one.</summary>
    private static List<(string Key, string Label, Summary Stats)> Norms(SparseAutoencoder sae)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        static Summary Of(Tensor t)
        {
            var v = t.detach().to_type(ScalarType.Float64);
            return new Summary(v.min().item<double>(), v.mean().item<double>(), v.max().item<double>());
        }
        var list = new List<(string, string, Summary)>
        {
            ("w_dec_row_norm", "‖W_dec row‖", Of(F64(sae.DecoderWeight).norm(1))),
            ("w_enc_column_norm", "‖W_enc column‖", Of(F64(sae.EncoderWeight).norm(0))),
            ("b_enc", "b_enc", Of(sae.EncoderBias)),
            ("b_dec", "b_dec", Of(sae.DecoderBias)),
            ("b_dec_norm", "‖b_dec‖", Of(F64(sae.DecoderBias).norm().reshape(1))),
        };
        if (sae.SkipWeight is { } skip) list.Add(("w_skip_row_norm", "‖W_skip row‖", Of(F64(skip).norm(1))));
        using var threshold = sae.GetThreshold();
        if (threshold is not null) list.Add(("threshold", "threshold", Of(threshold)));
        return list;
    }

    private static Tensor F64(Tensor t) => t.detach().to_type(ScalarType.Float64);          // norms of huge weights stay finite

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static JsonObject? LastLogLine(string path)
    {
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path).Reverse())
        {
            if (line.Length == 0) continue;
            try
            {
                return JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                // a line cut short by a kill: try the one before
            }
        }
        return null;
    }
}
