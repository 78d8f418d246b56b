using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Store;

namespace Interp.Cli.Tests.Model;

/// <summary>
/// TransformerLens weight processing through the real <c>interp</c> on the embedded default model: a processed harvest's
/// residual-stream rows are the unprocessed ones minus their mean, logits keep their log-softmax, and an SAE trained on a
/// processed store carries the processing in cfg.json, which eval-sae follows without being told.
/// </summary>
public sealed class TlProcessingCliTests : IDisposable
{
    private const string ResidPre = "blocks.1.hook_resid_pre", ResidPost = "blocks.3.hook_resid_post";
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-cli-tl-").FullName;

    private static string Corpus => Path.Combine(TestRepo.Root, "data", "corpora", "tinyshakespeare.txt");

    private string Sub(string name) => Path.Combine(_dir, name);

    private static string[] Harvest(string output, params string[] processing) =>
        ["harvest", "--corpus", Corpus, "--hook", ResidPre, ResidPost, "--ctx", "64", "--tokens", "2048", "--threads", "1", "--out", output, .. processing];

    [Fact]
    public void Harvest_with_tl_processing_stores_rows_of_mean_zero_that_equal_the_unprocessed_rows_minus_their_mean()
    {
        var plain = InterpProcess.Run(Harvest(Sub("plain")));
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        var processed = InterpProcess.Run(Harvest(Sub("processed"), "--tl-processing"));
        Assert.True(processed.ExitCode == 0, processed.Stderr);

        foreach (var hook in new[] { ResidPre, ResidPost })
        {
            using var a = ActivationStoreReader.Open(Sub("plain"), hook);
            using var b = ActivationStoreReader.Open(Sub("processed"), hook);
            Assert.Equal(TlProcessing.None, a.Manifest.Processing);
            Assert.Equal(TlProcessing.TransformerLensDefaults, b.Manifest.Processing);
            var (x, y, d) = (a.LoadAll(), b.LoadAll(), a.D);
            Assert.Equal(x.Length, y.Length);
            double worstMean = 0, worstDifference = 0;
            for (var row = 0; row < x.Length / d; row++)
            {
                var plainRow = x.AsSpan(row * d, d);
                var processedRow = y.AsSpan(row * d, d);
                double plainMean = 0, processedMean = 0;
                for (var i = 0; i < d; i++) (plainMean, processedMean) = (plainMean + plainRow[i], processedMean + processedRow[i]);
                (plainMean, processedMean) = (plainMean / d, processedMean / d);
                worstMean = Math.Max(worstMean, Math.Abs(processedMean));
                for (var i = 0; i < d; i++) worstDifference = Math.Max(worstDifference, Math.Abs(plainRow[i] - plainMean - processedRow[i]));
            }
            Assert.True(worstMean < 1e-4, $"{hook}: a processed row has mean {worstMean:G3}");
            Assert.True(worstDifference < 2e-3, $"{hook}: a processed row differs from the unprocessed row minus its mean by {worstDifference:G3}");
        }

        var info = InterpProcess.Run("store", "info", Path.Combine(Sub("processed"), ResidPre));
        Assert.Contains("TransformerLens weight processing: fold_ln, center_writing_weights, center_unembed, fold_value_biases", info.Stdout);

        // The manifest says how the store was made, with TransformerLens's keyword names.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Sub("processed"), ResidPre, ActivationManifest.FileName)))!;
        Assert.True((bool?)manifest["tl_processing"]!["center_writing_weights"]);
        Assert.True((bool?)manifest["tl_processing"]!["fold_ln"]);
    }

    [Fact]
    public void Logits_with_tl_processing_have_the_same_log_softmax_and_centred_rows()
    {
        const string ids = "50256,464,3290,286,262,1578,318";
        var plain = InterpProcess.Run("logits", "--ids", ids, "--threads", "1", "--json");
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        var processed = InterpProcess.Run("logits", "--ids", ids, "--tl-processing", "--threads", "1", "--json");
        Assert.True(processed.ExitCode == 0, processed.Stderr);
        var (a, b) = (Logits(plain.Stdout), Logits(processed.Stdout));
        Assert.Equal(7, a.Length);
        for (var t = 0; t < a.Length; t++)
        {
            var (la, lb) = (LogSoftmax(a[t]), LogSoftmax(b[t]));
            var worst = la.Zip(lb, (p, q) => Math.Abs(p - q)).Max();
            Assert.True(worst < 1e-3, $"position {t}: log-softmax differs by {worst:G3}");
            Assert.True(Math.Abs(b[t].Average()) < 1e-3, $"position {t}: center_unembed leaves logits of mean {b[t].Average():G3}");
            Assert.True(Math.Abs(a[t].Average()) > 1e-2, $"position {t}: the unprocessed logits were already centred");
        }
    }

    [Fact]
    public void An_sae_trained_on_a_processed_store_records_it_in_cfg_json_and_eval_sae_follows_it()
    {
        var harvest = InterpProcess.Run(Harvest(Sub("store"), "--center-writing-weights"));
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        var train = InterpProcess.Run("train-sae", "--activations", Sub("store"), "--hook", ResidPre, "--arch", "topk", "--d-sae", "256", "--k", "8",
            "--tokens", "8192", "--batch", "256", "--threads", "1", "--out", Sub("sae"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        var kwargs = JsonNode.Parse(File.ReadAllText(Path.Combine(Sub("sae"), "cfg.json")))!["model_from_pretrained_kwargs"]!.AsObject();
        Assert.Equal(new TlProcessing(CenterWritingWeights: true), TlProcessing.FromKwargs(kwargs, "cfg.json"));
        Assert.Equal(4, kwargs.Count);                                                  // every key written: no reader guesses

        string[] Eval(string sae, params string[] extra) =>
            ["eval-sae", "--sae", sae, "--corpus", Corpus, "--ctx", "64", "--tokens", "1024", "--threads", "1", "--json", .. extra];
        var followed = Evaluate(Eval(Sub("sae")));
        var told = Evaluate(Eval(Sub("sae"), "--center-writing-weights"));
        Assert.True((bool?)followed["model_from_pretrained_kwargs"]!["center_writing_weights"]);
        Assert.False((bool?)followed["model_from_pretrained_kwargs"]!["fold_ln"]);
        foreach (var key in new[] { "explained_variance", "l0", "ce_loss_clean", "ce_loss_with_sae" })
            Assert.Equal((double)told[key]!, (double)followed[key]!);

        // The same SAE with the key taken out (SAELens: no kwargs, no processing) reads an unprocessed model.
        Directory.CreateDirectory(Sub("sae-no-kwargs"));
        foreach (var file in Directory.GetFiles(Sub("sae"))) File.Copy(file, Path.Combine(Sub("sae-no-kwargs"), Path.GetFileName(file)));
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(Sub("sae-no-kwargs"), "cfg.json")))!.AsObject();
        cfg.Remove("model_from_pretrained_kwargs");
        File.WriteAllText(Path.Combine(Sub("sae-no-kwargs"), "cfg.json"), cfg.ToJsonString());
        var unprocessed = Evaluate(Eval(Sub("sae-no-kwargs")));
        Assert.False((bool?)unprocessed["model_from_pretrained_kwargs"]!["center_writing_weights"]);
        Assert.NotEqual((double)followed["explained_variance"]!, (double)unprocessed["explained_variance"]!);
        Assert.Equal((double)followed["ce_loss_clean"]!, (double)unprocessed["ce_loss_clean"]!, 3);   // the model's loss is the same
    }

    [Fact]
    public void A_model_from_pretrained_kwargs_value_that_is_not_true_or_false_is_one_line_naming_the_key()
    {
        var harvest = InterpProcess.Run(Harvest(Sub("store")));
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        var train = InterpProcess.Run("train-sae", "--activations", Sub("store"), "--hook", ResidPre, "--arch", "relu", "--d-sae", "256",
            "--tokens", "512", "--batch", "256", "--threads", "1", "--out", Sub("sae"));
        Assert.True(train.ExitCode == 0, train.Stderr);
        var path = Path.Combine(Sub("sae"), "cfg.json");
        var cfg = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        cfg["model_from_pretrained_kwargs"] = new JsonObject { ["fold_ln"] = "yes" };
        File.WriteAllText(path, cfg.ToJsonString());
        var result = InterpProcess.Run("eval-sae", "--sae", Sub("sae"), "--corpus", Corpus, "--tokens", "256");
        Assert.Equal($"error: {path}: model_from_pretrained_kwargs.fold_ln must be true or false, got \"yes\"", result.ErrorLine);
    }

    private static JsonNode Evaluate(string[] args)
    {
        var result = InterpProcess.Run(args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonNode.Parse(result.Stdout)!;
    }

    private static double[][] Logits(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("logits").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
    }

    private static double[] LogSoftmax(double[] logits)
    {
        var max = logits.Max();
        var logSum = max + Math.Log(logits.Sum(x => Math.Exp(x - max)));
        return logits.Select(x => x - logSum).ToArray();
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
