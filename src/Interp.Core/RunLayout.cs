namespace Interp.Core;

/// <summary>
/// Where every stage's output lives inside a run folder; the quickstart writes this layout and <c>interp serve</c>
/// reads it:
/// <code>
/// RUN/activations/HOOK/          harvest (one activation store per hook)
/// RUN/sae/                       train-sae (SAELens layout), eval-sae's eval.json
/// RUN/records/neurons/           records of a hook's neurons
/// RUN/records/sae-latents/       records of the SAE's latents
/// RUN/autointerp/neurons/        autointerp results of the neuron records
/// RUN/autointerp/sae-latents/    autointerp results of the latent records
/// RUN/transcoders/layer-L/                    train-transcoder (SAELens transcoder layout), eval-sae's eval.json
/// RUN/records/transcoder-latents/layer-L/     records of transcoder L's latents
/// RUN/autointerp/transcoder-latents/layer-L/  autointerp results of those records
/// RUN/config.json, training_log.jsonl   a model trained here (train-model)
/// RUN/quickstart_times.json      the quickstart's per-stage times
/// </code>
/// The names are the constants below; nothing else spells them.
/// </summary>
public class RunLayout
{
    public const string ActivationsFolderName = "activations";
    public const string SaeFolderName = "sae";
    public const string RecordsFolderName = "records";
    public const string AutoInterpFolderName = "autointerp";
    public const string NeuronsFolderName = "neurons";
    public const string SaeLatentsFolderName = "sae-latents";
    public const string TranscodersFolderName = "transcoders";
    public const string TranscoderLatentsFolderName = "transcoder-latents";
    public const string SaeEvaluationFileName = "eval.json";
    public const string ModelConfigFileName = "config.json";
    public const string TrainingLogFileName = JsonlLog.TrainingLogFileName;
    public const string QuickstartTimesFileName = "quickstart_times.json";

    /// <summary>The stage folders, in pipeline order; any one of them inside a folder makes it a run.</summary>
    public static readonly IReadOnlyList<string> StageFolderNames = [ActivationsFolderName, SaeFolderName, RecordsFolderName, AutoInterpFolderName];

    /// <summary>The layout of the run folder <paramref name="runFolder"/> (nothing is created).</summary>
    public RunLayout(string runFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(runFolder);
        Run = runFolder;
    }

    /// <summary>The run folder.</summary>
    public string Run { get; }

    /// <summary>The activation stores, one sub-folder per hook.</summary>
    public string Activations => Path.Combine(Run, ActivationsFolderName);

    /// <summary>The SAE folder.</summary>
    public string Sae => Path.Combine(Run, SaeFolderName);

    /// <summary>The SAE's evaluation (eval-sae's JSON).</summary>
    public string SaeEvaluation => Path.Combine(Sae, SaeEvaluationFileName);

    /// <summary>The records store of a hook's neurons.</summary>
    public string NeuronRecords => Path.Combine(Run, RecordsFolderName, NeuronsFolderName);

    /// <summary>The records store of the SAE's latents.</summary>
    public string LatentRecords => Path.Combine(Run, RecordsFolderName, SaeLatentsFolderName);

    /// <summary>The autointerp results of <see cref="NeuronRecords"/>.</summary>
    public string NeuronResults => Path.Combine(Run, AutoInterpFolderName, NeuronsFolderName);

    /// <summary>The autointerp results of <see cref="LatentRecords"/>.</summary>
    public string LatentResults => Path.Combine(Run, AutoInterpFolderName, SaeLatentsFolderName);

    /// <summary>The transcoders, one folder per layer.</summary>
    public string Transcoders => Path.Combine(Run, TranscodersFolderName);

    /// <summary>The transcoder of block <paramref name="layer"/> (its MLP's replacement).</summary>
    public string TranscoderOf(int layer) => Path.Combine(Transcoders, LayerFolderName(layer));

    /// <summary>The records store of transcoder <paramref name="layer"/>'s latents.</summary>
    public string TranscoderRecordsOf(int layer) => Path.Combine(Run, RecordsFolderName, TranscoderLatentsFolderName, LayerFolderName(layer));

    /// <summary>The autointerp results of <see cref="TranscoderRecordsOf"/>.</summary>
    public string TranscoderResultsOf(int layer) => Path.Combine(Run, AutoInterpFolderName, TranscoderLatentsFolderName, LayerFolderName(layer));

    /// <summary><c>layer-L</c>: a per-layer folder's name.</summary>
    public static string LayerFolderName(int layer) => $"{LayerFolderPrefix}{layer}";

    private const string LayerFolderPrefix = "layer-";

    /// <summary>The <c>layer-L</c> folders directly inside <paramref name="parent"/>, by L (none when it does not exist).</summary>
    public static IReadOnlyList<(int Layer, string Folder)> LayerFolders(string parent)
    {
        if (!Directory.Exists(parent)) return [];
        return Directory.EnumerateDirectories(parent, LayerFolderPrefix + "*")
            .Select(folder => (Text: Path.GetFileName(folder)[LayerFolderPrefix.Length..], Folder: folder))
            .Select(f => (Layer: int.TryParse(f.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : -1, f.Folder))
            .Where(f => f.Layer >= 0)
            .OrderBy(f => f.Layer)
            .ToArray();
    }

    /// <summary>The config of a model trained in this folder.</summary>
    public string ModelConfig => Path.Combine(Run, ModelConfigFileName);

    /// <summary>The training log of a model trained in this folder.</summary>
    public string TrainingLog => Path.Combine(Run, TrainingLogFileName);

    /// <summary>The quickstart's per-stage times.</summary>
    public string QuickstartTimes => Path.Combine(Run, QuickstartTimesFileName);

    /// <summary>The activation store of <paramref name="hook"/>.</summary>
    public string ActivationsOf(string hook) => Path.Combine(Activations, hook);

    /// <summary>True when <paramref name="folder"/> holds a stage folder or a model-training log: it looks like a run.</summary>
    public static bool LooksLikeRun(string folder)
    {
        var layout = new RunLayout(folder);
        return StageFolderNames.Any(s => Directory.Exists(Path.Combine(folder, s))) || File.Exists(layout.TrainingLog);
    }
}
