using Interp.Cli.Tests.Store;

namespace Interp.Cli.Tests;

/// <summary>A library job refuses an option by its meaning; each verb prints the refusal with its own flag, as before.</summary>
public sealed class FlagNameTests
{
    private static readonly string Corpus = TestRepo.Corpus("tinyshakespeare.txt");

    private static string Fresh(string name) => Path.Combine(Directory.CreateTempSubdirectory("interp-flags-").FullName, name);

    [Fact]
    public void Harvest_names_its_batch_and_shard_flags()
    {
        var output = Fresh("store");
        string[] common = ["harvest", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--tokens", "64", "--threads", "1", "--out", output];
        Assert.Equal("error: --batch 0: must be at least 1", InterpProcess.Run([.. common, "--ctx", "16", "--batch", "0"]).ErrorLine);
        Assert.Equal("error: --shard 2-4: expected K/N, e.g. 2/4", InterpProcess.Run([.. common, "--ctx", "16", "--shard", "2-4"]).ErrorLine);
        Assert.Equal("error: --ctx 1: must be at least 2 with BOS prepending (the default; --no-prepend-bos turns it off)",
            InterpProcess.Run([.. common, "--ctx", "1"]).ErrorLine);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Harvest_into_a_store_of_another_harvest_names_the_differing_flag_and_out_and_overwrite()
    {
        var output = Fresh("store");
        string[] Harvest(string tokens) => ["harvest", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--ctx", "16", "--tokens", tokens, "--threads", "1", "--out", output];
        Assert.Equal(0, InterpProcess.Run(Harvest("64")).ExitCode);
        var manifest = Path.Combine(output, "blocks.0.hook_resid_pre", "manifest.json");

        Assert.Equal($"error: {manifest}: this store was harvested with --tokens 64 (this run: 128); use another --out, or --overwrite to replace it",
            InterpProcess.Run(Harvest("128")).ErrorLine);
        Assert.Equal($"error: {manifest}: store is already complete (64 tokens in 1 shards); pass --overwrite to harvest it again",
            InterpProcess.Run(Harvest("64")).ErrorLine);

        var foreign = Fresh("store");
        Directory.CreateDirectory(Path.Combine(foreign, "blocks.0.hook_resid_pre"));
        File.WriteAllText(Path.Combine(foreign, "blocks.0.hook_resid_pre", "notes.txt"), "mine");
        Assert.Equal($"error: {Path.Combine(foreign, "blocks.0.hook_resid_pre")}: not empty and not an activation store (found 'notes.txt'); choose an empty or new --out folder",
            InterpProcess.Run([.. Harvest("64")[..^1], foreign]).ErrorLine);
    }

    [Fact]
    public void Store_merge_names_the_harvest_flag_two_parts_differ_in()
    {
        var root = Directory.CreateTempSubdirectory("interp-flags-").FullName;
        string[] Part(string shard, string tokens) =>
            ["harvest", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--ctx", "16", "--tokens", tokens, "--shard", shard, "--threads", "1", "--out", Path.Combine(root, tokens)];
        Assert.Equal(0, InterpProcess.Run(Part("1/2", "64")).ExitCode);
        Assert.Equal(0, InterpProcess.Run(Part("2/2", "128")).ExitCode);

        var line = InterpProcess.Run(["store", "merge", Path.Combine(root, "64"), Path.Combine(root, "128"), "--out", Path.Combine(root, "merged")]).ErrorLine;
        Assert.EndsWith("which has --tokens 64 (this run: 128)", line);
    }

    [Fact]
    public void Records_names_its_sampling_and_unit_flags()
    {
        var output = Fresh("records");
        string[] common = ["records", "--corpus", Corpus, "--ctx", "16", "--tokens", "64", "--threads", "1", "--out", output];
        Assert.Equal("error: --window 0: must be at least 1", InterpProcess.Run([.. common, "--hook", "blocks.0.hook_resid_pre", "--window", "0"]).ErrorLine);
        Assert.Equal("error: --hook NAME is required with --corpus (e.g. blocks.1.mlp.hook_post)", InterpProcess.Run(common).ErrorLine);
        Assert.StartsWith("error: --units 5-2: range '5-2' runs backwards",
            InterpProcess.Run([.. common, "--hook", "blocks.0.hook_resid_pre", "--units", "5-2"]).ErrorLine);
        Assert.Equal("error: give either --activations or --corpus, not both", InterpProcess.Run([.. common, "--activations", output]).ErrorLine);
        Assert.Equal("error: give --activations DIR, or --corpus FILE with --hook NAME",
            InterpProcess.Run(["records", "--threads", "1", "--out", output]).ErrorLine);
    }

    [Fact]
    public void Records_into_finished_records_names_out_and_overwrite()
    {
        var output = Fresh("records");
        string[] build = ["records", "--corpus", Corpus, "--hook", "blocks.0.hook_resid_pre", "--ctx", "16", "--tokens", "64", "--units", "0-3", "--threads", "1", "--out", output];
        Assert.Equal(0, InterpProcess.Run(build).ExitCode);
        var database = Path.Combine(output, "records.db");

        Assert.Equal($"error: {database}: records are already complete for this job; pass --overwrite to build them again", InterpProcess.Run(build).ErrorLine);
        Assert.Equal($"error: {database}: holds records of another job; use another --out, or --overwrite to replace them",
            InterpProcess.Run([.. build, "--window", "8"]).ErrorLine);
    }

    [Fact]
    public void Model_and_device_refusals_name_model_and_device()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"interp-no-model-{Guid.NewGuid():N}", "model");
        Assert.Equal($"error: --model {missing}: folder not found", InterpProcess.Run("logits", "--model", missing, "--ids", "1").ErrorLine);
        Assert.Equal("error: --device 'tpu' is not one of auto, cpu, cuda", InterpProcess.Run("logits", "--ids", "1", "--device", "tpu").ErrorLine);

        var cache = Directory.CreateTempSubdirectory("interp-cache-").FullName;
        var offline = InterpProcess.Run(["logits", "--model", "gpt2-medium", "--ids", "1"],
            new Dictionary<string, string> { ["HF_HUB_OFFLINE"] = "1", ["INTERP_CACHE"] = cache });
        Assert.Equal($"error: --model gpt2-medium: not in the local cache and HF_HUB_OFFLINE is set; put config.json, model.safetensors, vocab.json, merges.txt " +
                     $"from https://huggingface.co/gpt2-medium in {Path.Combine(cache, "gpt2-medium")} (or pass --model DIR)", offline.ErrorLine);
    }

    [Fact]
    public void Generate_names_max_new_tokens()
    {
        Assert.Equal("error: --max-new-tokens must be ≥ 0, got -1", InterpProcess.Run("generate", "--prompt", "Hello", "--max-new-tokens", "-1").ErrorLine);
    }

    [Fact]
    public void Serve_and_quickstart_name_urls_and_token()
    {
        Assert.Equal("error: --urls 'ftp://127.0.0.1': expected an http(s) address such as http://127.0.0.1:5000",
            InterpProcess.Run("serve", "--urls", "ftp://127.0.0.1", "--runs", Fresh("runs")).ErrorLine);
        const string refusal = "error: refusing to listen on http://0.0.0.0:0 without an access token: that address is reachable from other machines; " +
                               "pass --token T (or set INTERP_TOKEN), or bind to 127.0.0.1";
        var noToken = new Dictionary<string, string> { ["INTERP_TOKEN"] = "" };
        Assert.Equal(refusal, InterpProcess.Run(["serve", "--urls", "http://0.0.0.0:0", "--runs", Fresh("runs")], noToken).ErrorLine);
        Assert.Equal(refusal, InterpProcess.Run(["quickstart", "--urls", "http://0.0.0.0:0", "--out", Fresh("run")], noToken).ErrorLine);
    }

    [Fact]
    public void Train_model_names_its_flags()
    {
        var output = Fresh("model");
        string[] Train(string layers, string heads, string width, string steps) =>
            ["train-model", "--corpus", Corpus, "--n-layer", layers, "--n-head", heads, "--n-embd", width, "--ctx", "16", "--batch", "2", "--steps", steps, "--threads", "1", "--out", output];
        Assert.Equal("error: --n-embd 10: must be a multiple of --n-head 4", InterpProcess.Run(Train("1", "4", "10", "1")).ErrorLine);
        Assert.Equal("error: --steps 0: must be at least 1", InterpProcess.Run(Train("1", "1", "8", "0")).ErrorLine);
        Assert.Equal("error: --n-layer 0: must be at least 1", InterpProcess.Run(Train("0", "1", "8", "1")).ErrorLine);
        Assert.False(Directory.Exists(output));

        var small = Path.Combine(Fresh("corpus"), "small.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(small)!);
        File.WriteAllText(small, string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 20)));
        Assert.StartsWith("error: corpus too small for --ctx 256: ",
            InterpProcess.Run("train-model", "--corpus", small, "--ctx", "256", "--steps", "1", "--threads", "1", "--out", output).ErrorLine);
    }
}
