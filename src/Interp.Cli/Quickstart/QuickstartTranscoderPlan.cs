using System.Globalization;
using Interp.Core.Hooks;

namespace Interp.Cli.Quickstart;

/// <summary>
/// The quickstart's transcoder steps (<c>--transcoders</c>), after its own: harvest every layer's MLP input
/// (<c>blocks.L.ln2.hook_normalized</c>) and output (<c>blocks.L.hook_mlp_out</c>) in one pass, train a TopK transcoder per
/// layer, then records and offline explanations of each one's latents — what the graph page draws and annotates.
/// </summary>
public static class QuickstartTranscoderPlan
{
    /// <summary>Latents explained per transcoder with an LLM explainer (the offline one explains them all in seconds).</summary>
    public const int LlmExplainedLatents = 32;

    /// <summary>The hooks a transcoder of layer <paramref name="layer"/> reads and predicts.</summary>
    public static string[] HooksOf(int layer) => [HookName.Ln2Normalized(layer).ToString(), HookName.MlpOut(layer).ToString()];

    /// <summary>The stages, or none without <see cref="QuickstartSettings.Transcoders"/>.</summary>
    public static IEnumerable<QuickstartStage> Stages(QuickstartSettings s, QuickstartLayout layout)
    {
        if (!s.Transcoders) yield break;
        var model = s.Model is null ? Array.Empty<string>() : ["--model", s.Model];
        var device = new[] { "--device", s.Device };
        var threads = s.Threads is { } n ? ["--threads", Number(n)] : Array.Empty<string>();
        var quiet = s.Quiet ? ["--quiet"] : Array.Empty<string>();
        var corpus = new[] { "--corpus" }.Concat(s.Corpus)
            .Concat(s.TextField == Interp.Core.Corpora.CorpusInput.DefaultTextField ? Array.Empty<string>() : ["--text-field", s.TextField]).ToArray();
        var layers = Enumerable.Range(0, s.Layers).ToArray();
        var hooks = layers.SelectMany(HooksOf).ToArray();

        yield return new QuickstartStage("harvest transcoders", $"every layer's MLP input and output over the first {s.TranscoderHarvestTokens:N0} tokens",
            ["harvest", .. model, .. device, .. corpus, .. hooks.SelectMany(h => new[] { "--hook", h }), "--ctx", Number(s.Ctx),
             "--tokens", Number(s.TranscoderHarvestTokens), "--float16", .. TlProcessingOptions.Args(s.Processing), .. threads, .. quiet, "--out", layout.Activations],
            () => layout.HarvestComplete(hooks));
        foreach (var layer in layers)
        {
            var folder = layout.TranscoderOf(layer);
            yield return new QuickstartStage($"train-transcoder {layer}",
                $"a TopK transcoder (d_sae {s.TranscoderDSae:N0}, k {s.K}) from {HooksOf(layer)[0]} to {HooksOf(layer)[1]}, {s.TranscoderTrainingTokens:N0} training rows",
                ["train-transcoder", "--activations", layout.Activations, "--layer", Number(layer), "--arch", "topk", "--d-sae", Number(s.TranscoderDSae),
                 "--k", Number(s.K), "--tokens", Number(s.TranscoderTrainingTokens), "--batch", Number(Batch(s)),
                 "--lr", s.TranscoderLearningRate.ToString(CultureInfo.InvariantCulture), .. device, .. threads, .. quiet, "--out", folder,
                 .. (QuickstartLayout.TrainingStarted(folder) ? ["--resume"] : Array.Empty<string>())],
                () => QuickstartLayout.TrainingComplete(folder));
        }
        foreach (var layer in layers)
        {
            var (folder, records) = (layout.TranscoderOf(layer), layout.TranscoderRecordsOf(layer));
            yield return new QuickstartStage($"records transcoder {layer}", $"top and sampled contexts, density and logit effects of every latent of transcoder {layer}",
                ["records", "--activations", layout.Activations, "--sae", folder, .. model, .. device, .. threads, .. quiet, "--out", records],
                () => QuickstartLayout.RecordsComplete(records));
        }
        foreach (var layer in layers)
        {
            var (records, results) = (layout.TranscoderRecordsOf(layer), layout.TranscoderResultsOf(layer));
            int? some = s.Explainer == "offline" ? null : LlmExplainedLatents;
            yield return new QuickstartStage($"autointerp transcoder {layer}",
                $"explain ({s.Explainer}), simulate and score {(some is null ? "every latent" : $"latents 0-{some - 1}")}: {QuickstartPlan.Scorers}",
                ["autointerp", "--records", records, .. (some is null ? Array.Empty<string>() : ["--units", $"0-{some - 1}"]), "--explainer", s.Explainer,
                 "--scorer", QuickstartPlan.Scorers, .. quiet, "--out", results],
                () => QuickstartLayout.ResultsComplete(records, results, some));
        }
    }

    // As train-sae's in the quickstart: one batch is the whole store when the harvest holds fewer rows than a batch.
    private static long Batch(QuickstartSettings s) => Math.Min(s.TranscoderBatch, s.TranscoderHarvestTokens / s.Ctx * (s.Ctx - 1));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
