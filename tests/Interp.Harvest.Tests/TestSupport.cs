using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using static TorchSharp.torch;

namespace Interp.Harvest.Tests;

/// <summary>Models for the tests: the fixture (token ids only); <see cref="TokenizerGpt2"/> has the real tokenizer.</summary>
internal static class TestModels
{
    public static Gpt2 Fixture() => Gpt2.Load(TestRepo.TinyRandomGpt2);

    /// <summary>Seeded random token ids below <paramref name="vocab"/>.</summary>
    public static int[] RandomIds(int count, int vocab = 1000, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }
}

/// <summary>Harvests with the fixture model, with small shards so tests see several shards and row groups.</summary>
internal static class FixtureHarvest
{
    public static readonly HookName[] TwoHooks = [HookName.ResidPre(2), HookName.MlpPost(1)];

    public static ContextSet Contexts(int contexts = 22, int ctx = 16, bool bos = false) =>
        ContextBuilder.FromTokenIds(TestModels.RandomIds(contexts * ctx + 5), ctx, prependBos: bos, bosTokenId: 98);

    public static HarvestOptions Options(string root, IReadOnlyList<HookName>? hooks = null, int k = 1, int n = 1,
        ActivationDtype dtype = ActivationDtype.Float32, bool overwrite = false) => new()
    {
        Hooks = hooks ?? TwoHooks, OutDirectory = root, BatchSize = 3, ContextsPerShard = 6, ContextsPerRowGroup = 2,
        ShardK = k, ShardN = n, Dtype = dtype, Overwrite = overwrite,
    };
}
