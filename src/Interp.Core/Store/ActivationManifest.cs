using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Interp.Core.Store;

/// <summary>
/// <c>manifest.json</c> of one hook's activation store folder: everything needed to interpret and check its shards
/// (model identity, hook, width, dtype, how the corpus became contexts) and the list of finished shards with their
/// row counts and SHA-256. Rewritten atomically after each shard, so it always describes only complete shards.
/// </summary>
public sealed record ActivationManifest
{
    /// <summary>The manifest's file name inside a hook folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "interp.activations";

    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>Format version (see <see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The model that produced the activations.</summary>
    public required ModelIdentity Model { get; init; }

    /// <summary>
    /// TransformerLens weight processing the model ran with (<c>fold_ln</c>, …); absent in stores written before it was
    /// recorded, which ran the unprocessed model (<see cref="Processing"/> reads them as none).
    /// </summary>
    public TlProcessing? TlProcessing { get; init; }

    /// <summary>The processing, none when the manifest does not say.</summary>
    [JsonIgnore]
    public TlProcessing Processing => TlProcessing ?? Core.TlProcessing.None;

    /// <summary>TransformerLens hook name, e.g. <c>blocks.2.hook_resid_pre</c>.</summary>
    public required string Hook { get; init; }

    /// <summary>Activation width: the number of <c>aNNNN</c> columns.</summary>
    public required int D { get; init; }

    /// <summary><c>float32</c> or <c>float16</c>.</summary>
    public required string Dtype { get; init; }

    /// <summary>Tokens per context (BOS included when prepended).</summary>
    public required int Ctx { get; init; }

    /// <summary>Whether every context starts with <see cref="BosTokenId"/>.</summary>
    public required bool PrependBos { get; init; }

    /// <summary>The BOS id used when <see cref="PrependBos"/> (GPT-2: 50256, <c>&lt;|endoftext|&gt;</c>).</summary>
    public int? BosTokenId { get; init; }

    /// <summary>The corpus files and the rule that turned them into contexts.</summary>
    public required CorpusRecord Corpus { get; init; }

    /// <summary>The <c>--tokens</c> limit asked for, if any.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>How contexts map to shards and row groups, and which contexts this store holds.</summary>
    public required StoreLayout Layout { get; init; }

    /// <summary>Rows (token positions) this store holds once complete.</summary>
    public required long TotalTokens { get; init; }

    /// <summary>True once every shard is written.</summary>
    public bool Complete { get; init; }

    /// <summary>The finished shards, by index.</summary>
    public IReadOnlyList<ShardRecord> Shards { get; init; } = [];

    /// <summary>The activation storage type.</summary>
    [JsonIgnore]
    public ActivationDtype ActivationDtype => ActivationSchema.ParseDtype(Dtype);

    /// <summary>Rows in the finished shards.</summary>
    [JsonIgnore]
    public long RowsWritten => Shards.Sum(s => s.Rows);

    /// <summary>The format name and version every activation manifest starts with, and how errors name them.</summary>
    public static readonly ManifestFormat Versioned = new(FormatName, CurrentFormatVersion, "an activation store manifest", "format version");

    /// <summary>Reads <c>manifest.json</c> from a hook folder (or the file itself).</summary>
    /// <exception cref="InterpException">Missing, not JSON, another format, a newer version, or a value out of range
    /// (<see cref="ActivationManifestRules"/>); the message names the file and the key.</exception>
    public static ActivationManifest Load(string folderOrFile)
    {
        var path = Directory.Exists(folderOrFile) ? System.IO.Path.Combine(folderOrFile, FileName) : folderOrFile;
        if (!File.Exists(path)) throw new InterpException($"{path}: manifest not found (not an activation store folder)");
        var manifest = Versioned.Parse<ActivationManifest>(File.ReadAllText(path), path);
        ActivationManifestRules.Check(manifest, path);
        return manifest;
    }

    /// <summary>Writes the manifest into <paramref name="folder"/> atomically (temporary file, then rename).</summary>
    public void Save(string folder) => ManifestFormat.Save(this, System.IO.Path.Combine(folder, FileName));

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => ManifestFormat.ToJson(this);

    /// <summary>
    /// The first way in which <paramref name="other"/> asks for different data than this manifest describes (model,
    /// hook, width, dtype, context rule, corpus, token limit, layout or split), as a phrase for an error message; null
    /// when both describe the same harvest. Progress (shards, completeness) is not compared.
    /// </summary>
    /// <param name="other">The harvest asked for.</param>
    /// <param name="option">Names the harvest's options ("Tokens", "Shard"); default: <see cref="Meaning"/>.</param>
    public string? FirstDifference(ActivationManifest other, Func<string, string>? option = null)
    {
        option ??= Meaning;
        if (Model.WeightsSha256 != other.Model.WeightsSha256)
            return $"model weights sha256 {Short(Model.WeightsSha256)} (this run: {Short(other.Model.WeightsSha256)}, another model)";
        if (!JsonNode.DeepEquals(Model.Config, other.Model.Config)) return "model config (this run's model has another config)";
        if (Processing != other.Processing) return $"TransformerLens processing {Processing} (this run: {other.Processing})";
        if (Hook != other.Hook) return $"hook {Hook} (this run: {other.Hook})";
        if (D != other.D) return $"d {D} (this run: {other.D})";
        if (Dtype != other.Dtype) return $"dtype {Dtype} (this run: {other.Dtype})";
        if (Ctx != other.Ctx) return $"ctx {Ctx} (this run: {other.Ctx})";
        if (PrependBos != other.PrependBos || (PrependBos && BosTokenId != other.BosTokenId))
            return $"prepend_bos {PrependBos.ToString().ToLowerInvariant()} (this run: {other.PrependBos.ToString().ToLowerInvariant()})";
        // The same bytes read another way (another text field) are another corpus.
        var (mine, theirs) = (Corpus.Files.Select(f => (f.Sha256, f.Format, f.TextField)), other.Corpus.Files.Select(f => (f.Sha256, f.Format, f.TextField)));
        if (!mine.SequenceEqual(theirs))
            return $"corpus {string.Join(", ", Corpus.Files.Select(Describe))} (this run: {string.Join(", ", other.Corpus.Files.Select(Describe))})";
        if (MaxTokens != other.MaxTokens) return $"{option("Tokens")} {MaxTokens?.ToString() ?? "(all)"} (this run: {other.MaxTokens?.ToString() ?? "(all)"})";
        if (Layout.ShardK != other.Layout.ShardK || Layout.ShardN != other.Layout.ShardN)
            return $"{option("Shard")} {Layout.ShardK}/{Layout.ShardN} (this run: {other.Layout.ShardK}/{other.Layout.ShardN})";
        if (Layout with { ShardK = 1, ShardN = 1 } != other.Layout with { ShardK = 1, ShardN = 1 })
            return $"layout {Layout.Describe()} (this run: {other.Layout.Describe()})";
        return null;
    }

    /// <summary>The harvest options a difference names ("Tokens", "Shard": a job's property names) by meaning.</summary>
    public static string Meaning(string option) => option == "Tokens" ? "token limit" : StoreLayout.Meaning(option);

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] + "…" : sha;

    private static string Describe(CorpusFile f) =>
        $"{f.Name} ({Short(f.Sha256)}{(f.Format is null ? "" : $", {f.Format}")}{(f.TextField is null ? "" : $" field '{f.TextField}'")})";
}

/// <summary>Which model produced a store: a hash of its weights file plus its config (Hugging Face keys).</summary>
/// <param name="Name">Where the model came from (folder or hub name), for people; not compared.</param>
/// <param name="WeightsSha256">SHA-256 of <c>model.safetensors</c> (or of the parameters, for a model not loaded from a file).</param>
/// <param name="Config">The model's <c>config.json</c> values.</param>
public sealed record ModelIdentity(string Name, string WeightsSha256, JsonObject Config);

/// <summary>The corpus: its files in order, the stream length and the rule that made contexts from it.</summary>
/// <param name="Files">Files in the order they were joined.</param>
/// <param name="StreamTokens">Tokens of the joined stream that were tokenised: all of it, or with <c>--tokens</c> the first
/// ones the contexts take (stores written before the corpus was streamed count the whole stream either way). Not compared
/// on resume: the files' SHA-256 are.</param>
/// <param name="Rule">The context rule, in words.</param>
/// <remarks>Not sealed: a records manifest's corpus is this record plus its token limit and BOS rule.</remarks>
public record CorpusRecord(IReadOnlyList<CorpusFile> Files, long StreamTokens, string Rule);

/// <summary>One corpus file.</summary>
/// <param name="Name">The path as given (or as found in a folder or by a glob).</param>
/// <param name="Sha256">SHA-256 of all its bytes.</param>
/// <param name="Tokens">Its tokens in the stream (see <see cref="CorpusRecord.StreamTokens"/>).</param>
/// <param name="Format">How it was read: <c>jsonl</c>, <c>jsonl.gz</c> or <c>parquet</c>; absent for UTF-8 text.</param>
/// <param name="TextField">The JSON field or Parquet column its documents were read from; absent for text.</param>
public sealed record CorpusFile(string Name, string Sha256, long Tokens, string? Format = null, string? TextField = null);

/// <summary>One finished shard.</summary>
/// <param name="Index">Shard index: it covers global contexts <c>[Index × contexts_per_shard, (Index + 1) × contexts_per_shard)</c>.</param>
/// <param name="File">File name inside the hook folder.</param>
/// <param name="FirstContext">First global context the shard covers.</param>
/// <param name="Contexts">Contexts it holds.</param>
/// <param name="Rows">Rows (token positions) it holds.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">SHA-256 of the file.</param>
public sealed record ShardRecord(int Index, string File, long FirstContext, long Contexts, long Rows, long Bytes, string Sha256);
