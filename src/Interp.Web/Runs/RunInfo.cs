namespace Interp.Web.Runs;

/// <summary>
/// One run folder as the Runs page shows it: what each stage wrote (<c>activations/</c>, <c>sae/</c>, <c>records/</c>,
/// <c>autointerp/</c>), the model it came from, and any file that could not be read (one line each, never an exception).
/// </summary>
/// <param name="Name">The folder name (also the run's id in URLs).</param>
/// <param name="Folder">The run folder.</param>
/// <param name="Model">The model the run's data came from, when some manifest names it.</param>
/// <param name="Hooks">Activation stores, one per hook.</param>
/// <param name="Saes">SAE folders.</param>
/// <param name="Records">Records stores (finished or not).</param>
/// <param name="Results">Autointerp result files.</param>
/// <param name="ModelTraining">The log of <c>interp train-model</c>, when the run trained a model.</param>
/// <param name="Problems">Files that exist but could not be read.</param>
public sealed record RunInfo(
    string Name,
    string Folder,
    string? Model,
    IReadOnlyList<HookStoreInfo> Hooks,
    IReadOnlyList<SaeInfo> Saes,
    IReadOnlyList<RecordsInfo> Records,
    IReadOnlyList<ResultsInfo> Results,
    TrainingLog? ModelTraining,
    IReadOnlyList<string> Problems);

/// <summary>An activation store of one hook (its <c>manifest.json</c>).</summary>
/// <param name="Hook">The hook name.</param>
/// <param name="Folder">The hook folder.</param>
/// <param name="D">Activation width.</param>
/// <param name="Dtype">float32 or float16.</param>
/// <param name="Ctx">Tokens per context.</param>
/// <param name="Tokens">Token rows written.</param>
/// <param name="Complete">Whether the harvest finished.</param>
/// <param name="Corpus">The corpus file names.</param>
public sealed record HookStoreInfo(string Hook, string Folder, int D, string Dtype, int Ctx, long Tokens, bool Complete, IReadOnlyList<string> Corpus);

/// <summary>An SAE folder (SAELens <c>cfg.json</c>) and its training log.</summary>
/// <param name="Name">Path relative to the run folder.</param>
/// <param name="Folder">The SAE folder.</param>
/// <param name="Architecture">SAELens architecture name.</param>
/// <param name="Hook">The hook it reads.</param>
/// <param name="DIn">Input width.</param>
/// <param name="DSae">Latents.</param>
/// <param name="K">k for topk/batchtopk, else 0.</param>
/// <param name="Log">The training curve (<c>training_log.jsonl</c>), when present.</param>
/// <param name="IsTranscoder">A transcoder (reads <paramref name="Hook"/>, writes its block's MLP output) rather than an SAE.</param>
public sealed record SaeInfo(string Name, string Folder, string Architecture, string Hook, int DIn, int DSae, int K, TrainingLog? Log, bool IsTranscoder = false);

/// <summary>A records store (<c>records.db</c> + <c>manifest.json</c>).</summary>
/// <param name="Folder">The records folder.</param>
/// <param name="Source">The units' source (<c>blocks.1.mlp.hook_post</c> or <c>sae:…</c>); null when the manifest is unreadable.</param>
/// <param name="Kind"><c>neuron</c> or <c>sae_latent</c>.</param>
/// <param name="Hook">The hook the activations were read at.</param>
/// <param name="SourceUnits">Units the source has.</param>
/// <param name="UnitCount">Units with a record.</param>
/// <param name="Tokens">Tokens the statistics cover.</param>
/// <param name="Complete">False while only <c>records.db.partial</c> exists.</param>
public sealed record RecordsInfo(string Folder, string? Source, string Kind, string Hook, int SourceUnits, int UnitCount, long Tokens, bool Complete);

/// <summary>An autointerp results file (<c>results.jsonl</c>, one line per unit) and its <c>summary.json</c>.</summary>
/// <param name="Path">The results file.</param>
/// <param name="Units">Units of the run's records sources with a result (the last line of each counts).</param>
/// <param name="Ignored">One line naming the lines not counted (see <c>ResultsTally</c>), or null.</param>
/// <param name="SummaryPath">summary.json beside it, when present.</param>
public sealed record ResultsInfo(string Path, int Units, string? Ignored, string? SummaryPath);
