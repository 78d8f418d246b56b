using System.CommandLine;
using System.Text.Json;
using Interp.Core;
using Interp.Sae;
using Interp.Sae.Architectures;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp eval-sae --sae DIR [--model DIR] --corpus FILE...</c>: an SAE's reconstruction and sparsity on the model's
/// activations over a corpus, and the model's next-token loss with the SAE spliced in at its hook (SAELens's evals).
/// </summary>
public static class EvalSaeCommand
{
    public static Command Create()
    {
        var (model, device, json, quiet) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json(), CommonOptions.Quiet());
        model.Description = "Model folder or hub name; default: the model the SAE names in cfg.json when that folder exists, else the embedded model";
        var sae = new Option<string>("--sae") { Description = "SAE folder (cfg.json + sae_weights.safetensors, SAELens layout)", Required = true };
        var corpus = new Option<string[]>("--corpus") { Description = $"{CorpusOptions.Accepts}; the first --tokens tokens are used", Required = true, AllowMultipleArgumentsPerToken = true };
        var textField = CorpusOptions.TextField();
        var context = new Option<int?>("--ctx") { Description = $"Tokens per context (default: the SAE's context_size, else {EvalSaeJobOptions.DefaultCtx})" };
        var tokens = new Option<long>("--tokens") { Description = "Tokens to evaluate on (at most the corpus)", DefaultValueFactory = _ => EvalSaeJobOptions.DefaultTokens };
        var skip = new Option<long>("--skip-tokens") { Description = "Leave out the corpus's first N tokens (e.g. those the SAE was trained on)", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Also write the --json document to this file (atomically)" };
        var threads = ThreadsOption.Create();
        var bos = BosOption.Create(whenOn: "default: as the SAE's cfg.json says, prepend_bos", whenOff: "default: as the SAE's cfg.json says");
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass", DefaultValueFactory = _ => EvalSaeJobOptions.DefaultBatch };
        var command = new Command("eval-sae", "Evaluate an SAE: L0, MSE, explained variance, dead/dense latents, density histogram; CE clean/spliced/zero-ablated, loss recovered, KL")
            { sae, model, device, corpus, textField, context, tokens, skip, bos.On, bos.Off, batch, threads, json, quiet, output };
        // Without these flags the model is processed as the SAE's cfg.json says (model_from_pretrained_kwargs).
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        var flags = new Dictionary<string, string>
        {
            [nameof(EvalSaeJobOptions.Tokens)] = "--tokens", [nameof(EvalSaeJobOptions.Batch)] = "--batch",
            [nameof(EvalSaeJobOptions.SkipTokens)] = "--skip-tokens", [nameof(EvalSaeJobOptions.Ctx)] = "--ctx",
            [nameof(EvalSaeJobOptions.TextField)] = "--text-field",
        };
        command.SetAction(CliApp.Guard(flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var asJson = parse.GetValue(json);
            var log = asJson ? Console.Error : Console.Out;
            var options = new EvalSaeJobOptions
            {
                Sae = parse.GetValue(sae)!, Model = parse.GetValue(model), Corpus = parse.GetValue(corpus)!, TextField = parse.GetValue(textField)!, Ctx = parse.GetValue(context),
                Tokens = parse.GetValue(tokens), SkipTokens = parse.GetValue(skip), PrependBos = bos.Read(parse), Batch = parse.GetValue(batch), Device = parse.GetValue(device)!,
                Processing = processing.Read(parse),
            };
            options.Validate();
            if (parse.GetValue(output) is { } outFile) OutputPath.ForFile(outFile);    // refuse a folder or device before the work
            var result = ProgressDisplay.Run<StageProgress, EvalSaeResult>("eval-sae", parse.GetValue(quiet), progress =>
                EvalSaeJob.Run(options, (name, tl) => CommonOptions.LoadModel(name, options.Device, tl), log.WriteLine, Console.Error.WriteLine, progress));

            void Document(Utf8JsonWriter w) => Write(w, options, result);
            if (parse.GetValue(output) is { } file) JsonOutput.WriteFile(file, Document);
            if (asJson)
            {
                JsonOutput.Write(Document);
                return 0;
            }
            Print(result.Activations, result.InModel, result.Config.IsTranscoder);
            return 0;
        }));
        return command;
    }

    private static void Print(SaeActivationMetrics a, SaeModelMetrics m, bool transcoder)
    {
        Console.WriteLine(transcoder ? $"the MLP's output ({a.Tokens:N0} tokens; the transcoder's output against it)" : $"activations ({a.Tokens:N0} tokens)");
        Console.WriteLine($"  L0                   {a.L0,10:F2}   active latents per token");
        Console.WriteLine($"  MSE                  {a.Mse,10:G4}   per dimension, model units");
        Console.WriteLine($"  explained variance   {a.ExplainedVariance,10:F4}   (1 − FVU; FVU {a.Fvu:F4})");
        Console.WriteLine($"  dead latents         {a.DeadLatents,10:N0}   ({a.DeadFraction:P1}; never fired on these tokens)");
        Console.WriteLine($"  dense latents        {a.DenseLatents,10:N0}   ({a.DenseFraction:P1}; fired on > {SaeEvaluator.DefaultDenseThreshold:P0} of tokens)");
        Console.WriteLine("  latent density (log10 of the fraction of tokens a latent fires on)");
        var h = a.Histogram;
        var most = Math.Max(1, h.Counts.Max());
        for (var i = 0; i < h.Counts.Length; i++)
        {
            if (h.Counts[i] == 0 && (i == 0 || h.Counts[..i].All(c => c == 0))) continue;                 // skip the empty low bins
            Console.WriteLine($"    [{h.BinEdges[i],4:F1}, {h.BinEdges[i + 1],4:F1})  {h.Counts[i],7:N0}  {new string('█', (int)Math.Ceiling(40.0 * h.Counts[i] / most))}");
        }
        Console.WriteLine($"    dead         {h.Dead,7:N0}");
        Console.WriteLine($"spliced into the model{(transcoder ? " in place of the MLP" : "")} ({m.Tokens:N0} predicted tokens; cross-entropy in nats/token)");
        Console.WriteLine($"  CE clean             {m.CeClean,10:F4}");
        Console.WriteLine($"  CE with the SAE      {m.CeSae,10:F4}   (+{m.CeSae - m.CeClean:F4})");
        Console.WriteLine($"  CE zero-ablated      {m.CeZeroAblation,10:F4}");
        Console.WriteLine($"  loss recovered       {m.LossRecovered,10:F4}   ((CE_zero − CE_sae) / (CE_zero − CE_clean))");
        Console.WriteLine($"  KL(clean ‖ SAE)      {m.KlDivergence,10:F4}   nats/token");
    }

    private static void Write(Utf8JsonWriter w, EvalSaeJobOptions options, EvalSaeResult result)
    {
        var (config, a, m) = (result.Config, result.Activations, result.InModel);
        static void Number(Utf8JsonWriter w, string name, double value)
        {
            if (double.IsFinite(value)) w.WriteNumber(name, value);
            else w.WriteNull(name);
        }
        w.WriteString("sae", options.Sae);
        w.WriteString("model", result.Model);
        w.WritePropertyName("model_from_pretrained_kwargs");
        result.Processing.ToKwargs().WriteTo(w);
        w.WriteString("hook_name", config.HookName);
        w.WriteString("architecture", config.SaeLensArchitectureName);
        w.WriteNumber("d_in", config.DIn);
        w.WriteNumber("d_sae", config.DSae);
        if (config.IsTranscoder)                                                                 // its metrics are of this hook's activation
        {
            w.WriteString("hook_name_out", config.OutputHookName);
            w.WriteNumber("d_out", config.DOut);
        }
        w.WriteNumber("ctx", result.Ctx);
        w.WriteBoolean("prepend_bos", result.PrependBos);
        w.WriteNumber("contexts", result.Contexts);
        w.WriteNumber("skipped_tokens", options.SkipTokens);
        w.WriteNumber("tokens", a.Tokens);
        Number(w, "l0", a.L0);
        Number(w, "mse", a.Mse);
        Number(w, "explained_variance", a.ExplainedVariance);
        Number(w, "fvu", a.Fvu);
        w.WriteNumber("dead_latents", a.DeadLatents);
        w.WriteNumber("dense_latents", a.DenseLatents);
        w.WriteNumber("dense_threshold", SaeEvaluator.DefaultDenseThreshold);
        w.WriteStartObject("density_histogram");
        w.WriteStartArray("log10_edges");
        foreach (var e in a.Histogram.BinEdges) w.WriteNumberValue(e);
        w.WriteEndArray();
        w.WriteStartArray("counts");
        foreach (var c in a.Histogram.Counts) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteNumber("dead", a.Histogram.Dead);
        w.WriteEndObject();
        w.WriteNumber("predicted_tokens", m.Tokens);
        Number(w, "ce_loss_clean", m.CeClean);
        Number(w, "ce_loss_with_sae", m.CeSae);
        Number(w, "ce_loss_zero_ablation", m.CeZeroAblation);
        Number(w, "loss_recovered", m.LossRecovered);
        Number(w, "kl_divergence", m.KlDivergence);
    }
}
