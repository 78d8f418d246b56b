using System.Globalization;

namespace Interp.Core.Store;

/// <summary>
/// Range checks on a loaded <c>manifest.json</c>, run before anything it names is opened: every number in a range the
/// readers can work with (no overflow, no negative sizes), and every shard file a plain name inside the store folder.
/// </summary>
internal static class ActivationManifestRules
{
    /// <summary>The widest activation vector accepted (far above any GPT-2 hook).</summary>
    public const int MaxD = 1 << 20;

    /// <summary>The longest context accepted.</summary>
    public const int MaxCtx = 1 << 20;

    /// <summary>Throws one line naming <paramref name="path"/>, the key and its value at the first rule broken.</summary>
    public static void Check(ActivationManifest m, string path)
    {
        void Fail(string key, object? value, string rule) =>
            throw new InterpException($"{path}: {key} = {Format(value)}: {rule}");
        void Range(string key, long value, long min, long max)
        {
            if (value < min || value > max) Fail(key, value, $"must be between {min} and {max}");
        }

        if (m.Model is null || m.Model.WeightsSha256 is null || m.Model.Config is null) Fail("model", null, "must name the model's weights_sha256 and config");
        if (string.IsNullOrWhiteSpace(m.Hook)) Fail("hook", m.Hook, "must be a hook name");
        Range("d", m.D, 1, MaxD);
        Range("ctx", m.Ctx, 1, MaxCtx);
        if (m.Dtype is not ("float32" or "float16")) Fail("dtype", m.Dtype, "must be float32 or float16");
        if (m.BosTokenId is { } bos) Range("bos_token_id", bos, 0, int.MaxValue);
        if (m.MaxTokens is { } max) Range("max_tokens", max, 1, long.MaxValue);
        if (m.Corpus?.Files is null) Fail("corpus", null, "must list the corpus files");
        Range("corpus.stream_tokens", m.Corpus!.StreamTokens, 0, long.MaxValue);

        var layout = m.Layout;
        if (layout is null) Fail("layout", null, "missing");
        var maxContexts = long.MaxValue / m.Ctx / MaxD;                            // contexts × ctx × d must not overflow
        Range("layout.contexts", layout!.Contexts, 0, maxContexts);
        Range("layout.contexts_per_row_group", layout.ContextsPerRowGroup, 1, maxContexts);
        Range("layout.contexts_per_shard", layout.ContextsPerShard, layout.ContextsPerRowGroup, maxContexts);
        if (layout.ContextsPerShard % layout.ContextsPerRowGroup != 0)
            Fail("layout.contexts_per_shard", layout.ContextsPerShard, $"must be a multiple of contexts_per_row_group ({layout.ContextsPerRowGroup})");
        if (layout.Contexts / layout.ContextsPerShard >= int.MaxValue) Fail("layout.contexts", layout.Contexts, "too many shards");
        Range("layout.shard_n", layout.ShardN, 1, int.MaxValue);
        Range("layout.shard_k", layout.ShardK, 1, layout.ShardN);
        Range("total_tokens", m.TotalTokens, 0, layout.Contexts * m.Ctx);

        if (m.Shards is null) Fail("shards", null, "must be a list");
        for (var i = 0; i < m.Shards!.Count; i++)
        {
            var s = m.Shards[i];
            var key = $"shards[{i}]";
            if (s is null) Fail(key, null, "must be an object");
            Range($"{key}.index", s!.Index, 0, layout.ShardCount - 1);
            var expected = StoreLayout.ShardFileName(s.Index);
            if (s.File != expected) Fail($"{key}.file", s.File, $"must be the file name {expected} inside the store folder");
            Range($"{key}.first_context", s.FirstContext, 0, layout.Contexts);
            Range($"{key}.contexts", s.Contexts, 0, layout.ContextsPerShard);
            Range($"{key}.rows", s.Rows, 0, layout.ContextsPerShard * m.Ctx);
            Range($"{key}.bytes", s.Bytes, 0, long.MaxValue);
            if (s.Sha256 is null) Fail($"{key}.sha256", null, "missing");
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
