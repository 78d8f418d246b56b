using Interp.Core.Store;

namespace Interp.Tests.Shared;

/// <summary>
/// Writes an activation store from token and value arrays with the real store writer (float32, 10 contexts a shard,
/// 5 a row group), for tests that need known values in a store without running a model.
/// </summary>
public static class ArrayStore
{
    /// <param name="tokens">token ids, [context × position]; its length is a multiple of <paramref name="ctx"/>.</param>
    /// <param name="values">activations, [context × position × d].</param>
    /// <param name="bosTokenId">the prepended BOS when every context starts with one; null when none does.</param>
    public static void Write(string folder, ModelIdentity model, string hook, int d, int ctx, int[] tokens, float[] values, int? bosTokenId)
    {
        var contexts = tokens.Length / ctx;
        var layout = new StoreLayout(contexts, ContextsPerShard: 10, ContextsPerRowGroup: 5);
        var plan = new ActivationManifest
        {
            Model = model, Hook = hook, D = d, Dtype = "float32", Ctx = ctx, PrependBos = bosTokenId is not null, BosTokenId = bosTokenId,
            Corpus = new CorpusRecord([new CorpusFile("(synthetic)", new string('0', 64), tokens.Length)], tokens.Length, "synthetic"),
            Layout = layout, TotalTokens = (long)contexts * ctx,
        };
        using var writer = ActivationStoreWriter.Open(folder, plan, overwrite: false);
        foreach (var shard in layout.ShardsWithData)
        {
            writer.BeginShard(shard);
            var shardContexts = layout.ContextsOf(shard).ToArray();
            var first = (int)shardContexts[0];
            writer.Append(shardContexts, tokens.AsSpan(first * ctx, shardContexts.Length * ctx), values.AsSpan(first * ctx * d, shardContexts.Length * ctx * d));
            writer.EndShard();
        }
    }
}
