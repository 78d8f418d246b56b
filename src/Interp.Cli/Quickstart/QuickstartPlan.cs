using System.Globalization;
using Interp.Core.Corpora;
using Interp.Sae;

namespace Interp.Cli.Quickstart;

/// <summary>
/// The quickstart's steps, each an ordinary <c>interp</c> verb: harvest two hooks → train a TopK SAE → evaluate it →
/// records of the MLP's neurons and of the SAE's latents → explain and score both. Serving is not a step: it follows them.
/// </summary>
public static class QuickstartPlan
{
    /// <summary>Scorers run on every unit (all three are cheap offline).</summary>
    public const string Scorers = "correlation,detection,fuzzing";

    public static IReadOnlyList<QuickstartStage> Stages(QuickstartSettings s, QuickstartLayout layout)
    {
        var model = s.Model is null ? Array.Empty<string>() : ["--model", s.Model];
        var device = new[] { "--device", s.Device };
        var threads = s.Threads is { } n ? ["--threads", Number(n)] : Array.Empty<string>();
        // The stages that read the corpus (harvest, eval-sae) name the text field only when it is not the default.
        var corpus = new[] { "--corpus" }.Concat(s.Corpus)
            .Concat(s.TextField == CorpusInput.DefaultTextField ? Array.Empty<string>() : ["--text-field", s.TextField]).ToArray();
        var quiet = s.Quiet ? ["--quiet"] : Array.Empty<string>();
        var stages = new List<QuickstartStage>
        {
            new("harvest", $"activations at {s.SaeHook} and {s.MlpHook} over the first {s.HarvestTokens:N0} tokens",
                ["harvest", .. model, .. device, .. corpus, "--hook", s.SaeHook, "--hook", s.MlpHook, "--ctx", Number(s.Ctx),
                 "--tokens", Number(s.HarvestTokens), "--float16", .. TlProcessingOptions.Args(s.Processing), .. threads, .. quiet, "--out", layout.Activations],
                () => layout.HarvestComplete([s.SaeHook, s.MlpHook])),

            new("train-sae", $"a TopK SAE (d_sae {s.DSae:N0}, k {s.K}) on {s.SaeHook}, {s.SaeTrainingTokens:N0} training rows",
                ["train-sae", "--activations", layout.Activations, "--hook", s.SaeHook, "--arch", "topk", "--d-sae", Number(s.DSae),
                 "--k", Number(s.K), "--tokens", Number(s.SaeTrainingTokens), .. SaeBatch(s), .. device, .. threads, .. quiet, "--out", layout.Sae, .. (layout.SaeStarted ? ["--resume"] : Array.Empty<string>())],
                () => layout.SaeComplete),

            new("eval-sae", s.EvalTokens > 0
                    ? $"L0, explained variance and loss recovered on {s.EvalTokens:N0} tokens after the harvested ones"
                    : "L0, explained variance and loss recovered (on harvested tokens: the corpus has none left over)",
                ["eval-sae", "--sae", layout.Sae, .. model, .. device, .. corpus,
                 .. (s.EvalTokens > 0 ? ["--skip-tokens", Number(s.HarvestTokens), "--tokens", Number(s.EvalTokens)] : new[] { "--tokens", Number(Math.Min(s.HarvestTokens, 32_768)) }),
                 .. threads, .. quiet, "--out", layout.SaeEvaluation],
                () => File.Exists(layout.SaeEvaluation)),

            new("records neurons", $"top and sampled contexts, density and logit effects of every {s.MlpHook} neuron",
                ["records", "--activations", layout.Activations, "--hook", s.MlpHook, .. model, .. device, .. threads, .. quiet, "--out", layout.NeuronRecords],
                () => QuickstartLayout.RecordsComplete(layout.NeuronRecords)),

            new("records latents", "the same for every SAE latent",
                ["records", "--activations", layout.Activations, "--sae", layout.Sae, .. model, .. device, .. threads, .. quiet, "--out", layout.LatentRecords],
                () => QuickstartLayout.RecordsComplete(layout.LatentRecords)),
        };
        foreach (var (name, records, results) in new[] { ("neurons", layout.NeuronRecords, layout.NeuronResults), ("latents", layout.LatentRecords, layout.LatentResults) })
            stages.Add(new($"autointerp {name}", $"explain ({s.Explainer}), simulate and score every unit: {Scorers}",
                ["autointerp", "--records", records, "--explainer", s.Explainer, "--scorer", Scorers, .. quiet, "--out", results],
                () => QuickstartLayout.ResultsComplete(records, results)));
        stages.AddRange(QuickstartTranscoderPlan.Stages(s, layout));
        return stages;
    }

    // train-sae's default batch unless the harvest holds fewer training rows (a small --tokens or corpus): then one batch is
    // the whole store. Every context starts with a BOS, whose row train-sae leaves out.
    private static string[] SaeBatch(QuickstartSettings s)
    {
        var rows = s.HarvestTokens / s.Ctx * (s.Ctx - 1);
        return rows < SaeTrainingOptions.DefaultBatchSize ? ["--batch", Number(rows)] : [];
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
