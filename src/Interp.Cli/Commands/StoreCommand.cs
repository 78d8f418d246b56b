using System.CommandLine;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Store;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp store info|verify|merge</c>: look at, check and combine activation stores written by <c>interp harvest</c>.
/// DIR may be a store root (one subfolder per hook) or one hook folder.
/// </summary>
public static class StoreCommand
{
    public static Command Create() => new("store", "Inspect, verify and merge activation stores (interp harvest output)")
    {
        Info(), Verify(), Merge(),
    };

    private static Argument<string> Dir() => new("DIR") { Description = "A store root (one subfolder per hook) or a hook folder" };

    private static Command Info()
    {
        var (dir, json) = (Dir(), CommonOptions.Json());
        var command = new Command("info", "Print each hook store's manifest in a human form") { dir, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            var folders = Folders(parse.GetValue(dir)!);
            var manifests = folders.Select(ActivationManifest.Load).ToArray();
            if (parse.GetValue(json))
            {
                var array = new JsonArray(manifests.Select((m, i) =>
                {
                    var node = JsonNode.Parse(m.ToJson())!.AsObject();
                    node.Insert(0, "folder", folders[i]);
                    return (JsonNode?)node;
                }).ToArray());
                Console.WriteLine(new JsonObject { ["stores"] = array }.ToJsonString());
                return 0;
            }
            for (var i = 0; i < folders.Count; i++)
            {
                if (i > 0) Console.WriteLine();
                Describe(folders[i], manifests[i]);
            }
            return 0;
        }));
        return command;
    }

    private static void Describe(string folder, ActivationManifest m)
    {
        string Short(string sha) => sha[..Math.Min(12, sha.Length)] + "…";
        var c = m.Model.Config;
        var layout = m.Layout;
        var bytes = m.Shards.Sum(s => s.Bytes);
        Console.WriteLine($"{m.Hook}  ({folder})");
        Console.WriteLine($"  format      {m.Format} v{m.FormatVersion}");
        Console.WriteLine($"  model       {m.Model.Name}");
        Console.WriteLine($"              weights sha256 {Short(m.Model.WeightsSha256)}  n_layer {c["n_layer"]}, n_embd {c["n_embd"]}, n_head {c["n_head"]}, " +
                          $"vocab {c["vocab_size"]}, n_positions {c["n_positions"]}");
        Console.WriteLine($"              TransformerLens weight processing: {m.Processing}");
        Console.WriteLine($"  rows        one per token: context (int64), position (int32), token (int32), " +
                          $"{ActivationSchema.ActivationColumn(0)}…{ActivationSchema.ActivationColumn(m.D - 1)} ({m.Dtype}); d = {m.D}");
        Console.WriteLine($"  contexts    {layout.SelectedContexts:N0} of {m.Ctx} tokens{(m.PrependBos ? $", BOS {m.BosTokenId} prepended" : ", no BOS")}" +
                          (layout.ShardN > 1 ? $"; part {layout.ShardK}/{layout.ShardN} of {layout.Contexts:N0} contexts" : "") +
                          (m.MaxTokens is { } t ? $"; --tokens {t:N0}" : ""));
        Console.WriteLine($"  corpus      {m.Corpus.StreamTokens:N0} tokens of the joined stream tokenised");
        foreach (var f in m.Corpus.Files)
            Console.WriteLine($"              {f.Name}  {f.Tokens:N0} tokens  sha256 {Short(f.Sha256)}{(f.Format is null ? "" : $"  {f.Format}, field '{f.TextField}'")}");
        Console.WriteLine($"  tokens      {m.RowsWritten:N0} of {m.TotalTokens:N0} ({(m.Complete ? "complete" : "unfinished: re-run the harvest command to finish")})");
        Console.WriteLine($"  layout      {layout.ContextsPerShard:N0} contexts a shard, {layout.ContextsPerRowGroup:N0} a row group");
        Console.WriteLine($"  shards      {m.Shards.Count} of {layout.ShardsWithData.Count()}, {bytes / 1e6:F1} MB on disk");
        const int Shown = 20;
        foreach (var s in m.Shards.Take(Shown))
            Console.WriteLine($"              {s.File}  contexts {s.FirstContext:N0}+  {s.Rows:N0} rows  {s.Bytes / 1e6:F1} MB  sha256 {Short(s.Sha256)}");
        if (m.Shards.Count > Shown) Console.WriteLine($"              … {m.Shards.Count - Shown} more");
    }

    private static Command Verify()
    {
        var (dir, quiet) = (Dir(), CommonOptions.Quiet());
        var command = new Command("verify", "Re-check every shard against its manifest (size, SHA-256, schema, rows)") { dir, quiet };
        command.SetAction(CliApp.Guard(parse =>
        {
            var problems = new List<string>();
            var checkedShards = 0;
            var folders = Folders(parse.GetValue(dir)!);
            var total = folders.Sum(f => ActivationManifest.Load(f).Shards.Sum(s => s.Bytes));   // progress in bytes: each shard is read whole
            long read = 0;
            ProgressDisplay.Run<StageProgress, int>("store verify", parse.GetValue(quiet), progress =>
            {
                foreach (var folder in folders)
                {
                    using var reader = ActivationStoreReader.Open(folder, allowIncomplete: true);
                    var m = reader.Manifest;
                    Console.WriteLine($"{m.Hook}: {m.Shards.Count} shard(s){(m.Complete ? "" : $" (unfinished: {m.RowsWritten:N0} of {m.TotalTokens:N0} tokens)")}");
                    problems.AddRange(reader.Verify((shard, problem) =>
                    {
                        checkedShards++;
                        read += shard.Bytes;
                        Console.WriteLine(problem is null ? $"  ok    {shard.File}  {shard.Rows:N0} rows" : $"  BAD   {problem}");
                        progress(new StageProgress(read, total, $"{m.Hook}: {checkedShards} shard(s), {read / 1e6:F1}/{total / 1e6:F1} MB read"));
                    }));
                }
                return 0;
            });
            if (problems.Count > 0)
                throw new InterpException($"{problems.Count} of {checkedShards} shard(s) failed verification; first: {problems[0]}");
            Console.WriteLine($"all {checkedShards} shard(s) match their manifests");
            return 0;
        }));
        return command;
    }

    private static Command Merge()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "The part stores (roots or hook folders) of a --shard K/N harvest", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged store root", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing store in --out" };
        var quiet = CommonOptions.Quiet();
        var command = new Command("merge", "Merge the N parts of a split harvest into the store a single machine would have written")
            { inputs, output, overwrite, quiet };
        // Parts from different harvests are told apart by the harvest's options: named by harvest's flags.
        command.SetAction(CliApp.Guard(HarvestCommand.Flags, parse =>
        {
            var manifests = ProgressDisplay.Run<StageProgress, IReadOnlyList<ActivationManifest>>("store merge", parse.GetValue(quiet), progress =>
                ActivationStoreMerger.Merge(parse.GetValue(inputs)!, parse.GetValue(output)!, parse.GetValue(overwrite), progress));
            foreach (var m in manifests)
                Console.WriteLine($"{m.Hook}: {m.RowsWritten:N0} tokens in {m.Shards.Count} shard(s) → {Path.Combine(parse.GetValue(output)!, m.Hook)}");
            return 0;
        }));
        return command;
    }

    private static IReadOnlyList<string> Folders(string dir)
    {
        var folders = ActivationStoreReader.HookFolders(dir);
        if (folders.Count == 0) throw new InterpException($"{dir}: not an activation store (no {ActivationManifest.FileName} here or in its subfolders)");
        return folders;
    }
}
