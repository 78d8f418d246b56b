using Interp.Core.Hooks;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>Native-memory leak guard for transcoders: transcoding and splicing into the model leave no tensor behind.</summary>
public sealed class TranscoderLeakTests
{
    [Fact]
    public void Transcoding_and_spliced_runs_leave_the_live_tensor_count_unchanged()
    {
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        var d = model.Config.NEmbd;
        using var transcoder = SparseAutoencoder.Create(new SaeConfig
        {
            Architecture = SaeArchitecture.TopK, K = 4, DIn = d, DSae = 32, DOut = d, IsTranscoder = true, HasSkip = true, ApplyBDecToInput = false,
            HookName = HookName.Ln2Normalized(0).Name, HookLayer = 0, OutputHookName = HookName.MlpOut(0).Name,
        }, seed: 1);
        using var tokens = tensor(new long[] { 0, 5, 17, 300, 2, 9 }, [1, 6]);
        using (model.RunWithHooks(tokens, TranscoderHooks.Splice(transcoder))) { }                  // warm-up
        var before = T.LiveTensors;
        for (var i = 0; i < 5; i++)
        {
            using (model.RunWithHooks(tokens, TranscoderHooks.Splice(transcoder, keepFirstPosition: true))) { }
            using (model.RunWithHooks(tokens, TranscoderHooks.ZeroAblate(transcoder))) { }
            using (model.Hooks(SaeHooks.ReadLatents(transcoder, (_, _) => { }))) using (model.Run(tokens)) { }
            using var x = T.RandomRows(4, d, seed: i);
            using var output = transcoder.Transcode(x);
            using var skip = transcoder.Skip(x);
            using var forward = transcoder.forward(x);
        }
        Assert.Equal(before, T.LiveTensors);
    }
}
