using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Records.Tests;

/// <summary>
/// Records of a transcoder's latents (<c>--sae</c> pointing at a transcoder): read at its input hook, named
/// <c>transcoder:L</c>, and with the logit effects of its decoder rows, which write to the residual stream via hook_mlp_out.
/// </summary>
public sealed class TranscoderRecordsTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Transcoder_latent_records_are_named_by_block_and_have_the_logit_effects_of_their_decoder_rows_in_the_residual_stream()
    {
        var modelFolder = _temp["model"];
        manual_seed(1234);
        using (var random = new Gpt2(new Gpt2Config(VocabSize: 50257, NPositions: 128, NEmbd: 32, NLayer: 2, NHead: 2)))
            random.SaveHuggingFace(modelFolder);
        Gpt2.CopyTokenizerFiles(Path.Combine(TestRepo.Root, "data", "tokenizer", "gpt2"), modelFolder);
        var transcoderConfig = new SaeConfig
        {
            Architecture = SaeArchitecture.Relu, DIn = 32, DSae = 16, DOut = 32, IsTranscoder = true, HasSkip = true, ApplyBDecToInput = false,
            HookName = HookName.Ln2Normalized(1).Name, HookLayer = 1, OutputHookName = HookName.MlpOut(1).Name, ModelName = modelFolder,
        };
        // The same decoder rows in an SAE of the residual stream: directions written there have the same logit effects.
        var residualConfig = new SaeConfig { Architecture = SaeArchitecture.Relu, DIn = 32, DSae = 16, HookName = HookName.ResidPost(1).Name, HookLayer = 1, ModelName = modelFolder };
        using (var transcoder = SparseAutoencoder.Create(transcoderConfig, seed: 4))
        using (var residual = SparseAutoencoder.Create(residualConfig, seed: 5))
        {
            using (no_grad())
            {
                transcoder.EncoderBias.fill_(0.2f);                                               // latents fire often
                residual.DecoderWeight.copy_(transcoder.DecoderWeight);
            }
            transcoder.Save(_temp["transcoder"]);
            residual.Save(_temp["residual"]);
        }
        RecordsJobResult Run(string sae, string output) => RecordsJob.Run(new RecordsJobOptions
        {
            Corpus = [TestRepo.Corpus("tinyshakespeare.txt")], Sae = sae, Model = modelFolder, Ctx = 32, Tokens = 512, Batch = 4, Units = "0-7",
            OutDirectory = _temp[output], Sampling = Build.Options(),
        });

        var result = Run(_temp["transcoder"], "records-transcoder");
        var reference = Run(_temp["residual"], "records-residual");

        Assert.Equal(("transcoder_latent", "transcoder:1", "blocks.1.ln2.hook_normalized", "skip_transcoder"),
            (result.Manifest.Kind, result.Manifest.Source, result.Manifest.Hook, result.Manifest.Sae!.Architecture));
        using var records = UnitRecordStore.Open(result.DatabasePath);
        using var expected = UnitRecordStore.Open(reference.DatabasePath);
        Assert.Equal(8, records.Units.Count);
        Assert.All(records.Units, id => Assert.Equal("transcoder:1", id.Source));
        foreach (var (id, referenceId) in records.Units.Zip(expected.Units))
        {
            var (record, wanted) = (records.Read(id), expected.Read(referenceId));
            Assert.True(record.ActiveTokens > 0, $"{id} never fired");
            Assert.NotEmpty(record.LogitPositive);
            Assert.Equal(wanted.LogitPositive.Select(e => e.Token), record.LogitPositive.Select(e => e.Token));
            Assert.Equal(wanted.LogitNegative.Select(e => e.Value), record.LogitNegative.Select(e => e.Value), new Tolerance(1e-5f));
            Assert.Equal(wanted.Nearest.Select(n => n.Index), record.Nearest.Select(n => n.Index));
        }
    }
}
