using Interp.Core;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits.Tests;

/// <summary>
/// The two models the identities are tested on: the embedded default (<c>data/models/default</c>, GPT-2's tokenizer) and
/// the parity fixture (<c>tests/fixtures/tiny-random-gpt2</c>, vocabulary 1000, no tokenizer), with or without
/// TransformerLens weight processing. Each test class loads its own (hooks are per model, and classes run in parallel).
/// </summary>
internal static class Models
{
    public const string Embedded = "embedded";
    public const string Fixture = "fixture";

    public static Gpt2 Load(string name, TlProcessing? processing = null) => name switch
    {
        Embedded => Gpt2.Load(ModelSource.Resolve(null), processing: processing),
        Fixture => Gpt2.Load(TestRepo.TinyRandomGpt2, processing: processing),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>fold_ln, center_writing_weights and center_unembed (no value-bias folding).</summary>
    public static readonly TlProcessing FoldAndCentre = new(FoldLn: true, CenterWritingWeights: true, CenterUnembed: true, FoldValueBiases: false);

    /// <summary>A prompt of ids valid in both vocabularies (the fixture has 1000).</summary>
    public static readonly int[] Prompt = [50, 318, 257, 132, 286, 262, 11, 290, 340, 318, 407, 13];

    /// <summary>The model's own logits for <paramref name="ids"/>, <c>(T, V)</c> as float32 arrays per position.</summary>
    public static float[][] Logits(Gpt2 model, IReadOnlyList<int> ids, bool logSoftmax = false)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.Run(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count]))[0];
        if (logSoftmax) logits = logits.log_softmax(-1);
        return logits.cpu().data<float>().ToArray().Chunk((int)logits.shape[1]).ToArray();
    }

    public static long LiveTensors => TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}
