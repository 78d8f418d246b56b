using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Records;
using Interp.Core;
using Interp.Core.Store;
using Interp.Sae;
using Interp.Sae.Architectures;

namespace Interp.Web.Runs;

/// <summary>
/// Reads one run folder into a <see cref="RunInfo"/>: activation stores under <c>activations/</c>; SAE folders
/// (<c>cfg.json</c>), records stores (<c>records.db</c>) and autointerp results (<c>results.jsonl</c>) anywhere up to
/// three folders deep (the layout is <c>sae/</c>, <c>records/</c>, <c>autointerp/</c>, but hand-made runs put them
/// elsewhere); and a model-training log at the top. A file that cannot be read, and a second records store of a source
/// already shown, become lines in <see cref="RunInfo.Problems"/>.
/// </summary>
public static class RunScanner
{
    private const int MaxDepth = 3;

    /// <summary>True when <paramref name="folder"/> looks like a run (a stage folder, or a training log, inside).</summary>
    public static bool IsRun(string folder) => RunLayout.LooksLikeRun(folder);

    /// <summary>Scans <paramref name="folder"/>.</summary>
    public static RunInfo Scan(string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var problems = new List<string>();
        var layout = new RunLayout(folder);
        var hooks = Hooks(layout.Activations, problems);
        var saes = Saes(folder, folder, problems);
        var records = Records(folder, problems);
        var results = Results(folder, records);
        TrainingLog? training = null;
        var trainingLog = layout.TrainingLog;
        if (File.Exists(trainingLog))
        {
            try { training = TrainingLog.Read(trainingLog); }
            catch (IOException e) { problems.Add($"{trainingLog}: {e.Message}"); }
        }
        var model = ModelOf(folder, problems);
        return new RunInfo(name, folder, model, hooks, saes, records, results, training, problems);
    }

    private static IReadOnlyList<HookStoreInfo> Hooks(string activations, List<string> problems)
    {
        if (!Directory.Exists(activations)) return [];
        var result = new List<HookStoreInfo>();
        IReadOnlyList<string> folders;
        try { folders = ActivationStoreReader.HookFolders(activations); }
        catch (InterpException e) { problems.Add(e.Message); return []; }
        foreach (var hookFolder in folders)
        {
            try
            {
                var m = ActivationManifest.Load(hookFolder);
                result.Add(new HookStoreInfo(m.Hook, hookFolder, m.D, m.Dtype, m.Ctx, m.Complete ? m.TotalTokens : m.RowsWritten, m.Complete,
                    m.Corpus.Files.Select(f => f.Name).ToArray()));
            }
            catch (InterpException e) { problems.Add(e.Message); }
        }
        return result;
    }

    private static IReadOnlyList<SaeInfo> Saes(string run, string sae, List<string> problems)
    {
        var result = new List<SaeInfo>();
        foreach (var cfg in FindFiles(sae, SaeFolder.ConfigFileName))
        {
            var dir = Path.GetDirectoryName(cfg)!;
            try
            {
                var config = SaeConfig.Load(cfg);
                var logPath = Path.Combine(dir, SaeTrainer.LogFileName);
                var log = File.Exists(logPath) ? TrainingLog.Read(logPath) : null;
                result.Add(new SaeInfo(Path.GetRelativePath(run, dir), dir, config.SaeLensArchitectureName, config.HookName, config.DIn, config.DSae, config.K, log, config.IsTranscoder));
            }
            catch (Exception e) when (e is InterpException or IOException) { problems.Add(e.Message); }
        }
        return result;
    }

    private static IReadOnlyList<RecordsInfo> Records(string records, List<string> problems)
    {
        var result = new List<RecordsInfo>();
        var databases = FindFiles(records, UnitRecordStore.DatabaseFileName).Select(f => (File: f, Complete: true))
            .Concat(FindFiles(records, UnitRecordStore.DatabaseFileName + ".partial").Where(f => !File.Exists(f[..^".partial".Length])).Select(f => (File: f, Complete: false)));
        foreach (var (file, complete) in databases)
        {
            var dir = Path.GetDirectoryName(file)!;
            var manifestPath = Path.Combine(dir, RecordsManifest.FileName);
            // A damaged database stays listed (its pages say what is wrong) and is named as a problem here.
            if (complete && SqliteFileCheck.Problem(file) is { } damage) problems.Add(damage);
            try
            {
                var m = RecordsManifest.Parse(File.ReadAllText(manifestPath), manifestPath);
                result.Add(new RecordsInfo(dir, m.Source, m.Kind, m.Hook, m.SourceUnits, m.UnitCount, m.Tokens, complete));
            }
            catch (Exception e) when (e is InterpException or IOException)
            {
                if (complete) problems.Add(e is FileNotFoundException ? $"{manifestPath}: missing" : e.Message);
                result.Add(new RecordsInfo(dir, null, "?", "?", 0, 0, 0, complete));
            }
        }
        // One store per source gets pages (the first by path); others are listed without a source and named as problems.
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < result.Count; i++)
        {
            if (result[i] is not { Complete: true, Source: { } source } info) continue;
            if (shown.TryAdd(source, info.Folder)) continue;
            problems.Add($"{info.Folder}: another records store of {source}; the pages show {shown[source]}");
            result[i] = info with { Source = null };
        }
        return result;
    }

    private static IReadOnlyList<ResultsInfo> Results(string autointerp, IReadOnlyList<RecordsInfo> records) =>
        FindFiles(autointerp, ResultsFile.FileName).Select(f =>
        {
            var summary = Path.Combine(Path.GetDirectoryName(f)!, AutoInterpRunner.SummaryFileName);
            var (units, ignored) = ResultsCounter.Count(f, records);
            return new ResultsInfo(f, units, ignored, File.Exists(summary) ? summary : null);
        }).ToArray();

    private static string? ModelOf(string run, List<string> problems)
    {
        var layout = new RunLayout(run);
        foreach (var manifest in FindFiles(layout.Activations, ActivationManifest.FileName))
        {
            try { return ActivationManifest.Load(manifest).Model.Name; }
            catch (InterpException) { }
        }
        foreach (var manifest in FindFiles(run, UnitRecordStore.DatabaseFileName).Select(db => Path.Combine(Path.GetDirectoryName(db)!, RecordsManifest.FileName)).Where(File.Exists))
        {
            try
            {
                var m = RecordsManifest.Parse(File.ReadAllText(manifest), manifest);
                if (m.Model.Name is { Length: > 0 } name) return name;
            }
            catch (Exception e) when (e is InterpException or IOException) { }
        }
        var config = layout.ModelConfig;
        if (File.Exists(config))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(config));
                if (doc.RootElement.TryGetProperty("n_layer", out var layers) && doc.RootElement.TryGetProperty("n_embd", out var embd))
                    return $"trained here: {layers.GetInt32()} layers, d_model {embd.GetInt32()}";
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { problems.Add($"{config}: {e.Message.Split('\n')[0]}"); }
        }
        return null;
    }

    /// <summary>Files named <paramref name="fileName"/> under <paramref name="root"/> (itself included), up to three folders deep, skipping checkpoint folders; sorted.</summary>
    internal static IEnumerable<string> FindFiles(string root, string fileName)
    {
        if (!Directory.Exists(root)) return [];
        var found = new List<string>();
        void Walk(string dir, int depth)
        {
            var candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate)) found.Add(candidate);
            if (depth >= MaxDepth) return;
            IEnumerable<string> children;
            try { children = Directory.EnumerateDirectories(dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
            foreach (var child in children.Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(child);
                if (name.StartsWith("checkpoint", StringComparison.Ordinal) || name.StartsWith('.') || depth == 0 && name == RunLayout.ActivationsFolderName) continue;
                Walk(child, depth + 1);
            }
        }
        Walk(root, 0);
        return found;
    }
}
