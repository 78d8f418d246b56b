using System.Text.Json.Nodes;

namespace Interp.Cli.Tests.Sae;

/// <summary>
/// One harvest of block 1's MLP input and output from the embedded model (128 contexts of 32 tokens) and a TopK skip
/// transcoder trained on it by the real <c>interp train-transcoder</c> (a few seconds).
/// </summary>
public sealed class TranscoderStoreFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public const string Input = "blocks.1.ln2.hook_normalized", Output = "blocks.1.hook_mlp_out";

    public TranscoderStoreFixture()
    {
        var harvest = InterpProcess.Run("harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", Input, Output,
            "--ctx", "32", "--tokens", "4096", "--threads", "1", "--quiet", "--out", Store);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        Train = InterpProcess.Run(TrainArgs(Transcoder, "--json"));
        Assert.True(Train.ExitCode == 0, Train.Stderr);
    }

    public string Store => _dir["activations"];

    public string Transcoder => _dir["transcoder"];

    public InterpProcess.Result Train { get; }

    public string Sub(string name) => _dir[name];

    public string[] TrainArgs(string output, params string[] extra) =>
    [
        "train-transcoder", "--activations", Store, "--layer", "1", "--skip", "--arch", "topk", "--d-sae", "256", "--k", "8",
        "--tokens", "51200", "--batch", "128", "--threads", "1", "--quiet", "--out", output, .. extra,
    ];

    public void Dispose() => _dir.Dispose();
}

public sealed class TranscoderCliTests(TranscoderStoreFixture fixture) : IClassFixture<TranscoderStoreFixture>
{
    [Fact]
    public void Train_transcoder_writes_saelens_transcoder_layout_and_sae_info_shows_a_transcoder()
    {
        var summary = JsonNode.Parse(fixture.Train.Stdout)!;
        Assert.Equal(("topk_skip_transcoder", TranscoderStoreFixture.Input, TranscoderStoreFixture.Output, 128),
            ((string?)summary["architecture"], (string?)summary["hook_name"], (string?)summary["hook_name_out"], (int)summary["d_out"]!));
        Assert.True((double)summary["explained_variance"]! > 0.5, fixture.Train.Stdout);

        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Transcoder, "cfg.json")))!;
        Assert.Equal(("topk_skip_transcoder", 128, 256, 128, TranscoderStoreFixture.Output, false),
            ((string?)cfg["architecture"], (int)cfg["d_in"]!, (int)cfg["d_sae"]!, (int)cfg["d_out"]!, (string?)cfg["hook_name_out"], (bool)cfg["apply_b_dec_to_input"]!));

        var info = InterpProcess.Run("sae", "info", fixture.Transcoder);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("d_out 128: a transcoder with a skip connection", info.Stdout);
        Assert.Contains($"{TranscoderStoreFixture.Input} (layer 1) → {TranscoderStoreFixture.Output} (layer 1)", info.Stdout);
        Assert.Contains("W_skip         F32   [128, 128]", info.Stdout);
    }

    [Fact]
    public void Eval_sae_on_a_transcoder_reports_the_mlp_outputs_fvu_and_the_loss_recovered_with_the_mlp_replaced()
    {
        var run = InterpProcess.Run("eval-sae", "--sae", fixture.Transcoder, "--corpus", TestRepo.Corpus("tinyshakespeare.txt"),
            "--tokens", "2048", "--skip-tokens", "8192", "--threads", "1", "--quiet", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var eval = JsonNode.Parse(run.Stdout)!;
        Assert.Equal((TranscoderStoreFixture.Input, TranscoderStoreFixture.Output, 128), ((string?)eval["hook_name"], (string?)eval["hook_name_out"], (int)eval["d_out"]!));
        var (fvu, explained) = ((double)eval["fvu"]!, (double)eval["explained_variance"]!);
        Assert.InRange(fvu, 0.01, 0.6);
        Assert.Equal(1 - fvu, explained, 9);
        var (clean, spliced, zero) = ((double)eval["ce_loss_clean"]!, (double)eval["ce_loss_with_sae"]!, (double)eval["ce_loss_zero_ablation"]!);
        Assert.True(clean < spliced && spliced < zero, $"CE clean {clean}, with the transcoder {spliced}, MLP zero-ablated {zero}");
        Assert.Equal((zero - spliced) / (zero - clean), (double)eval["loss_recovered"]!, 9);
        Assert.InRange((int)eval["dead_latents"]!, 0, 255);
        Assert.NotNull(eval["dense_latents"]);
    }

    [Fact]
    public void Records_and_autointerp_on_a_transcoder_name_its_latents_by_block()
    {
        var records = InterpProcess.Run("records", "--activations", fixture.Store, "--sae", fixture.Transcoder, "--units", "0-11",
            "--threads", "1", "--quiet", "--json", "--out", fixture.Sub("records"));
        Assert.True(records.ExitCode == 0, records.Stderr);
        Assert.Equal("transcoder:1", (string?)JsonNode.Parse(records.Stdout)!["source"]);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Sub("records"), "manifest.json")))!;
        Assert.Equal(("transcoder_latent", TranscoderStoreFixture.Input), ((string?)manifest["kind"], (string?)manifest["hook"]));

        var autointerp = InterpProcess.Run("autointerp", "--records", fixture.Sub("records"), "--quiet", "--out", fixture.Sub("autointerp"));
        Assert.True(autointerp.ExitCode == 0, autointerp.Stderr);
        var units = File.ReadAllLines(Path.Combine(fixture.Sub("autointerp"), "results.jsonl")).Select(l => (string?)JsonNode.Parse(l)!["unit"]).ToArray();
        Assert.Equal(12, units.Length);
        Assert.All(units, u => Assert.StartsWith("transcoder:1/", u));
    }

    [Fact]
    public void A_store_without_the_mlp_output_is_refused_naming_the_missing_hook()
    {
        var partial = fixture.Sub("partial");
        var harvest = InterpProcess.Run("harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", TranscoderStoreFixture.Input,
            "--ctx", "32", "--tokens", "512", "--threads", "1", "--quiet", "--out", partial);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        var error = InterpProcess.Run("train-transcoder", "--activations", partial, "--layer", "1", "--out", fixture.Sub("never")).ErrorLine;
        Assert.StartsWith($"error: {partial}: no store for hook '{TranscoderStoreFixture.Output}'", error);
        Assert.False(Directory.Exists(fixture.Sub("never")));
    }

    [Fact]
    public void Stores_of_different_harvests_are_refused_as_not_one_harvests_rows()
    {
        var other = fixture.Sub("other");
        var harvest = InterpProcess.Run("harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", TranscoderStoreFixture.Output,
            "--ctx", "16", "--tokens", "512", "--threads", "1", "--quiet", "--out", other);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        var mixed = fixture.Sub("mixed");
        CopyFolder(Path.Combine(fixture.Store, TranscoderStoreFixture.Input), Path.Combine(mixed, TranscoderStoreFixture.Input));
        CopyFolder(Path.Combine(other, TranscoderStoreFixture.Output), Path.Combine(mixed, TranscoderStoreFixture.Output));
        var error = InterpProcess.Run("train-transcoder", "--activations", mixed, "--layer", "1", "--out", fixture.Sub("never")).ErrorLine;
        Assert.Contains("are not one harvest's rows (their contexts differ (ctx 32 vs 16", error);
    }

    [Theory]
    [InlineData("--arch", "batchtopk", "error: --arch batchtopk: a transcoder is relu, topk or jumprelu")]
    [InlineData("--layer", "-1", "error: --layer -1: must be a block number (0 or more)")]
    [InlineData("--k", "0", "error: --k 0: must be between 1 and d_sae=256")]
    [InlineData("--batch", "0", "error: --batch 0: must be a positive number of rows")]
    public void A_bad_option_is_one_line_naming_the_flag(string flag, string value, string expected)
    {
        string[] layer = flag == "--layer" ? [] : ["--layer", "1"];
        string[] args = ["train-transcoder", "--activations", fixture.Store, .. layer, "--d-sae", "256", "--out", fixture.Sub("bad"), flag, value];
        Assert.Equal(expected, InterpProcess.Run(args).ErrorLine);
    }

    [Fact]
    public void A_finished_transcoder_folder_needs_resume()
    {
        Assert.Contains("pass --resume", InterpProcess.Run(fixture.TrainArgs(fixture.Transcoder)).ErrorLine);
    }

    [Fact]
    public void Train_transcoder_into_a_folder_another_process_is_writing_is_refused_in_one_line()
    {
        var output = fixture.Sub("locked");
        using var held = Interp.Core.FolderLock.Acquire(output);

        var line = InterpProcess.Run(fixture.TrainArgs(output)).ErrorLine;

        Assert.Contains(output, line);
        Assert.Contains("another process is writing this folder", line);
        Assert.Equal([Interp.Core.FolderLock.FileName], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
