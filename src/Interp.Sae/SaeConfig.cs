using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae;

/// <summary>
/// The id of an SAE architecture, with SAELens's <c>architecture</c> names; what each one is and does is its
/// definition in <see cref="SaeArchitectures"/>.
/// </summary>
public enum SaeArchitecture
{
    /// <summary><c>"standard"</c>: f = ReLU(pre), trained with an L1 penalty weighted by decoder row norms (Anthropic).</summary>
    Relu,
    /// <summary><c>"topk"</c>: the k largest pre-activations per token, ReLU'd (OpenAI, Gao et al. 2024).</summary>
    TopK,
    /// <summary><c>"batchtopk"</c>: the k×batch largest across a training batch; a single threshold at inference (Bussmann et al. 2024).</summary>
    BatchTopK,
    /// <summary><c>"jumprelu"</c>: f = pre·H(pre − θ) with a learned per-latent threshold θ (Rajamanoharan et al. 2024).</summary>
    JumpRelu,
}

/// <summary>
/// What an SAE is and where it attaches, as SAELens writes it in <c>cfg.json</c> (field names are SAELens's, flat, as in
/// SAELens before 6.0; SAELens 6 reads that form too). <see cref="ScalingFactor"/> is Interp's addition, kept only in
/// training checkpoints: with <c>normalize_activations = "expected_average_only_in"</c> the SAE multiplies its input by it
/// (so that the mean norm is √d_in) and divides its reconstruction by it, so <see cref="SparseAutoencoder.Encode"/> and
/// <see cref="SparseAutoencoder.Decode"/> work in the model's units. A finished SAE is written in SAELens's inference
/// form (<see cref="ForInference"/>): the scale folded into the weights, <c>normalize_activations = "none"</c>.
/// </summary>
public sealed partial record SaeConfig
{
    /// <summary>Normalisation that leaves inputs as they are.</summary>
    public const string NormalizeNone = "none";

    /// <summary>Normalisation by one constant per SAE so that mean ‖x‖ = √d_in (Anthropic, April 2024 update; SAELens's estimate).</summary>
    public const string NormalizeExpectedAverage = "expected_average_only_in";

    /// <summary><c>architecture</c>.</summary>
    public required SaeArchitecture Architecture { get; init; }

    /// <summary><c>d_in</c>: the width of the activation the SAE reads.</summary>
    public required int DIn { get; init; }

    /// <summary><c>d_sae</c>: the number of latents.</summary>
    public required int DSae { get; init; }

    /// <summary><c>k</c> (also written as <c>activation_fn_kwargs.k</c>): latents kept per token for topk and batchtopk; 0 otherwise.</summary>
    public int K { get; init; }

    /// <summary><c>hook_name</c>: the TransformerLens hook the SAE reads, e.g. <c>blocks.6.hook_resid_pre</c>.</summary>
    public string HookName { get; init; } = "";

    /// <summary><c>hook_layer</c>: the block of <see cref="HookName"/> (0 for the embeddings).</summary>
    public int HookLayer { get; init; }

    /// <summary><c>model_name</c>: the model the SAE was trained on.</summary>
    public string ModelName { get; init; } = "";

    /// <summary>
    /// <c>model_weights_sha256</c> (Interp's addition, ignored by SAELens): SHA-256 of the model's weights file the
    /// training activations came from, as the activation store's manifest records it; null when not known.
    /// </summary>
    public string? ModelWeightsSha256 { get; init; }

    /// <summary>
    /// <c>model_from_pretrained_kwargs</c>: the TransformerLens weight processing of the model whose activations trained
    /// the SAE, which a model must have for the SAE to read it right (read as SAELens does: see <see cref="TlProcessing.FromKwargs"/>).
    /// </summary>
    public TlProcessing ModelProcessing { get; init; } = TlProcessing.None;

    /// <summary><c>context_size</c>: the context length of the training activations, when known.</summary>
    public int? ContextSize { get; init; }

    /// <summary><c>dataset_path</c>: the corpus the training activations came from, when known.</summary>
    public string? DatasetPath { get; init; }

    /// <summary><c>prepend_bos</c>: whether training contexts started with a BOS token.</summary>
    public bool PrependBos { get; init; } = true;

    /// <summary><c>device</c>: where the SAE was trained (informational; loading picks the device).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary><c>dtype</c>: the stored weights' type (Interp computes in float32).</summary>
    public string Dtype { get; init; } = "float32";

    /// <summary><c>apply_b_dec_to_input</c>: subtract b_dec from the input before encoding (SAELens's default; Gemma Scope sets false).</summary>
    public bool ApplyBDecToInput { get; init; } = true;

    /// <summary><c>normalize_activations</c>: <see cref="NormalizeNone"/> or <see cref="NormalizeExpectedAverage"/>.</summary>
    public string NormalizeActivations { get; init; } = NormalizeNone;

    /// <summary><c>scaling_factor</c>: the input multiplier for <see cref="NormalizeExpectedAverage"/> (null: not known, taken as 1).</summary>
    public double? ScalingFactor { get; init; }

    /// <summary>
    /// <c>rescale_acts_by_decoder_norm</c> (SAELens 6 topk): pre-activations are multiplied by the decoder rows' norms and
    /// latents divided by them before decoding. <see cref="SaeFolder.Read"/> folds that into the weights, as SAELens does
    /// before saving for inference, so a loaded SAE always has false here; never written.
    /// </summary>
    public bool RescaleActsByDecoderNorm { get; init; }

    /// <summary>
    /// This config as SAELens's trainer saves an SAE for inference: the input scale folded away
    /// (<c>normalize_activations = "none"</c>, no <c>scaling_factor</c>; the weights are folded by the writer) and the
    /// architecture as inference reads it (BatchTopK becomes <c>jumprelu</c> with its threshold). Checkpoints keep the
    /// training form.
    /// </summary>
    public SaeConfig ForInference()
    {
        var saved = Architecture.Definition().SavedAs;
        return this with
        {
            Architecture = saved,
            K = saved.Definition().UsesK ? K : 0,
            NormalizeActivations = NormalizeNone,
            ScalingFactor = null,
        };
    }

    /// <summary><c>dead_feature_window</c> (SAELens's name and unit): the steps without firing after which training counted a latent dead; null when not known.</summary>
    public int? DeadFeatureWindow { get; init; }

    /// <summary><c>aux_k_coefficient</c> (Interp's): the AuxK coefficient training used; null when not known or no AuxK.</summary>
    public double? AuxKCoefficient { get; init; }

    /// <summary><c>aux_k_loss</c> (Interp's): the AuxK loss form training used, <see cref="AuxKLossNormalized"/>; null when not known or no AuxK.</summary>
    public string? AuxKLoss { get; init; }

    /// <summary>Gao et al.'s AuxK form (<see cref="SaeLosses.AuxK"/>): the squared error on the residual over the residual's variance.</summary>
    public const string AuxKLossNormalized = "normalized_by_residual_variance";

    /// <summary>The multiplier actually applied to inputs: <see cref="ScalingFactor"/> under <see cref="NormalizeExpectedAverage"/>, else 1.</summary>
    public double InputScale => NormalizeActivations == NormalizeExpectedAverage && ScalingFactor is { } s ? s : 1.0;

    /// <summary>The SAELens <c>activation_fn</c> for this architecture (<c>topk</c> for topk, <c>relu</c> otherwise).</summary>
    public string ActivationFn => Architecture.Definition().ActivationFn;

    /// <summary>Checks the values that every SAE needs; throws an <see cref="InterpException"/> naming <paramref name="where"/> and the field.</summary>
    public void Validate(string where = "SAE config")
    {
        if (DIn <= 0) throw new InterpException($"{where}: 'd_in' must be a positive integer, got {DIn}");
        if (DSae <= 0) throw new InterpException($"{where}: 'd_sae' must be a positive integer, got {DSae}");
        var definition = Architecture.Definition();
        if (definition.MinimumK is { } minimumK && (K < minimumK || K > DSae))
            throw new InterpException($"{where}: 'k' must be between {minimumK} and d_sae={DSae} for a {definition.SaeLensName} SAE, got {K}");
        if (NormalizeActivations is not (NormalizeNone or NormalizeExpectedAverage))
            throw new InterpException($"{where}: 'normalize_activations' value '{NormalizeActivations}' is not supported (none, expected_average_only_in)");
        if (ScalingFactor is { } s && !(double.IsFinite(s) && s > 0))
            throw new InterpException($"{where}: 'scaling_factor' must be a positive number, got {s.ToString(CultureInfo.InvariantCulture)}");
        ValidateTranscoder(where);
    }

    /// <summary>The <c>cfg.json</c> text (indented JSON, SAELens field names).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architecture"] = SaeLensArchitectureName,
            ["d_in"] = DIn,
            ["d_sae"] = DSae,
            ["dtype"] = Dtype,
            ["device"] = Device,
            ["model_name"] = ModelName,
            ["hook_name"] = HookName,
            ["hook_layer"] = HookLayer,
            ["hook_head_index"] = null,
            ["context_size"] = ContextSize,
            ["prepend_bos"] = PrependBos,
            ["dataset_path"] = DatasetPath,
            ["apply_b_dec_to_input"] = ApplyBDecToInput,
            ["normalize_activations"] = NormalizeActivations,
        };
        WriteTranscoderFields(root);
        if (ScalingFactor is { } scale) root["scaling_factor"] = scale;
        if (ModelWeightsSha256 is not null) root["model_weights_sha256"] = ModelWeightsSha256;
        root["model_from_pretrained_kwargs"] = ModelProcessing.ToKwargs();
        if (DeadFeatureWindow is { } window) root["dead_feature_window"] = window;
        if (AuxKCoefficient is { } auxK) (root["aux_k_coefficient"], root["aux_k_loss"]) = (auxK, AuxKLoss);
        root["activation_fn"] = ActivationFn;
        var usesK = Architecture.Definition().UsesK;
        root["activation_fn_kwargs"] = usesK ? new JsonObject { ["k"] = K } : new JsonObject();
        if (usesK) root["k"] = K;
        root["finetuning_scaling_factor"] = false;
        root["sae_lens_training_version"] = null;
        return root.ToJsonString(JsonDefaults.Indented);
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>
    /// Reads a <c>cfg.json</c> as SAELens writes it: the flat form (SAELens ≤ 5, and Interp), older spellings
    /// (<c>hook_point</c>, <c>hook_point_layer</c>, boolean <c>normalize_activations</c>, <c>activation_fn_str</c>), and
    /// SAELens 6's nested <c>metadata</c>/<c>meta</c> object. Every bad or missing value is one <see cref="InterpException"/>
    /// line naming the file and the key.
    /// </summary>
    public static SaeConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new InterpException($"{path}: file not found");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InterpException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InterpException($"{path}: invalid JSON ({OneLine(e.Message)})");
        }
        return FromJson(root, path);
    }

    /// <summary>Parses a <c>cfg.json</c> object (see <see cref="Load"/>); <paramref name="where"/> names it in errors.</summary>
    public static SaeConfig FromJson(JsonObject root, string where)
    {
        ArgumentNullException.ThrowIfNull(root);
        var meta = (root["metadata"] ?? root["meta"]) as JsonObject;

        JsonNode? Find(params string[] keys)
        {
            foreach (var key in keys)
                if (root[key] is { } value) return value;
            if (meta is not null)
                foreach (var key in keys)
                    if (meta[key] is { } value) return value;
            return null;
        }

        int? Int(string key, params string[] aliases)
        {
            var node = Find([key, .. aliases]);
            if (node is null) return null;
            if (node is JsonValue v && v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
                return (int)d;
            throw new InterpException($"{where}: '{key}' must be an integer, got {node.ToJsonString()}");
        }

        string? Str(string key, params string[] aliases)
        {
            var node = Find([key, .. aliases]);
            if (node is null) return null;
            if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
            throw new InterpException($"{where}: '{key}' must be a string, got {node.ToJsonString()}");
        }

        bool? Bool(string key)
        {
            var node = Find(key);
            if (node is null) return null;
            if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
            throw new InterpException($"{where}: '{key}' must be true or false, got {node.ToJsonString()}");
        }

        var activationFn = Str("activation_fn", "activation_fn_str");
        var architectureName = Str("architecture") ?? "standard";
        (SaeArchitecture Architecture, bool Skip)? transcoder = TranscoderNames.IsTranscoder(architectureName)
            ? TranscoderNames.Parse(architectureName, activationFn, where) : null;
        var architecture = transcoder is { } t ? t.Architecture.Definition() : SaeArchitectures.FromConfig(architectureName, activationFn, where);

        var dIn = Int("d_in") ?? throw new InterpException($"{where}: missing key 'd_in'");
        var dSae = Int("d_sae");
        if (dSae is null && Int("expansion_factor") is { } expansion) dSae = dIn * expansion;
        if (dSae is null) throw new InterpException($"{where}: missing key 'd_sae'");

        int k = 0;
        var kNode = Find("k") ?? (Find("activation_fn_kwargs") as JsonObject)?["k"];
        if (kNode is not null)
        {
            if (kNode is not JsonValue kv || !kv.TryGetValue<double>(out var kd) || !double.IsFinite(kd) || kd < 0)
                throw new InterpException($"{where}: 'k' must be a non-negative number, got {kNode.ToJsonString()}");
            if (architecture.RequiresIntegerK && kd != Math.Floor(kd))
                throw new InterpException($"{where}: 'k' must be an integer for a {architecture.SaeLensName} SAE, got {kNode.ToJsonString()}");
            k = (int)Math.Round(kd); // batchtopk may store a fractional average; inference uses the threshold instead
        }
        else if (architecture.RequiresIntegerK)
        {
            throw new InterpException($"{where}: missing key 'k' (or activation_fn_kwargs.k) for a {architecture.SaeLensName} SAE");
        }

        string normalize;
        var normalizeNode = Find("normalize_activations");
        if (normalizeNode is null || normalizeNode.GetValueKind() == JsonValueKind.Null) normalize = NormalizeNone;
        else if (normalizeNode is JsonValue nv && nv.TryGetValue<bool>(out var nb)) normalize = nb ? NormalizeExpectedAverage : NormalizeNone;
        else if (normalizeNode is JsonValue ns && ns.TryGetValue<string>(out var nstr)) normalize = nstr;
        else throw new InterpException($"{where}: 'normalize_activations' must be a string, got {normalizeNode.ToJsonString()}");

        double? scaling = null;
        if (Find("scaling_factor") is { } scaleNode && scaleNode.GetValueKind() != JsonValueKind.Null)
        {
            if (scaleNode is not JsonValue sv || !sv.TryGetValue<double>(out var sd))
                throw new InterpException($"{where}: 'scaling_factor' must be a number, got {scaleNode.ToJsonString()}");
            scaling = sd;
        }

        // SAELens ≤ 5 multiplied latents by a learned [d_sae] vector before decoding; SAELens 6 no longer reads it.
        if (Bool("finetuning_scaling_factor") == true)
            throw new InterpException($"{where}: 'finetuning_scaling_factor' true (SAELens ≤ 5's extra latent multiplier) is not supported");
        var kwargsNode = Find("model_from_pretrained_kwargs");
        if (kwargsNode is not (null or JsonObject) && kwargsNode.GetValueKind() != JsonValueKind.Null)
            throw new InterpException($"{where}: 'model_from_pretrained_kwargs' must be an object, got {kwargsNode.ToJsonString()}");
        double? auxK = null;
        if (Find("aux_k_coefficient") is JsonValue auxNode && auxNode.TryGetValue<double>(out var auxValue)) auxK = auxValue;   // informational

        // Every consumer (eval-sae, records, the web app) needs the hook; refuse the folder here rather than later.
        var hookName = Str("hook_name", "hook_point") ?? throw new InterpException($"{where}: missing key 'hook_name'");
        if (hookName.Trim().Length == 0) throw new InterpException($"{where}: 'hook_name' is empty");
        var config = new SaeConfig
        {
            Architecture = architecture.Id,
            DIn = dIn,
            DSae = dSae.Value,
            K = k,
            HookName = hookName,
            HookLayer = Int("hook_layer", "hook_point_layer") ?? LayerOf(hookName),
            ModelName = Str("model_name") ?? "",
            ModelWeightsSha256 = Str("model_weights_sha256"),
            ContextSize = Int("context_size"),
            DatasetPath = Str("dataset_path"),
            PrependBos = Bool("prepend_bos") ?? true,
            Device = Str("device") ?? "cpu",
            Dtype = Str("dtype") ?? "float32",
            ApplyBDecToInput = Bool("apply_b_dec_to_input") ?? true,
            NormalizeActivations = normalize,
            ScalingFactor = scaling,
            ModelProcessing = TlProcessing.FromKwargs(kwargsNode as JsonObject, where),
            RescaleActsByDecoderNorm = transcoder is null && architecture.ReadsDecoderNormRescale && Bool("rescale_acts_by_decoder_norm") == true,
            DeadFeatureWindow = Int("dead_feature_window"),
            AuxKCoefficient = auxK,
            AuxKLoss = auxK is null ? null : Str("aux_k_loss"),
        };
        if (transcoder is { } kind) config = WithTranscoderFields(config, kind.Skip, key => Find(key), where);
        config.Validate(where);
        return config;
    }

    /// <summary>The block number in a TransformerLens hook name (<c>blocks.N.…</c>), or 0.</summary>
    public static int LayerOf(string hookName) =>
        BlockPattern().Match(hookName) is { Success: true } m && int.TryParse(m.Groups[1].Value, out var layer) ? layer : 0;

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockPattern();
}
