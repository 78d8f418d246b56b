using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Interp.Core;
using Interp.Core.Corpora;
using Interp.Core.Store;
using Interp.Core.Tokenization;

namespace Interp.Model.Harvest;

/// <summary>
/// The fixed-length contexts of a harvest, numbered globally from 0. See <see cref="ContextBuilder.Rule"/> for how they
/// are cut from the corpus.
/// </summary>
public sealed class ContextSet
{
    private readonly int[] _stream;

    internal ContextSet(int[] stream, IReadOnlyList<CorpusFile> files, int ctx, bool prependBos, int bosTokenId, long? maxTokens, long count)
    {
        (_stream, Files, Ctx, PrependBos, BosTokenId, MaxTokens, Count) = (stream, files, ctx, prependBos, bosTokenId, maxTokens, count);
    }

    /// <summary>Tokens per context, BOS included.</summary>
    public int Ctx { get; }

    /// <summary>Whether each context starts with <see cref="BosTokenId"/>.</summary>
    public bool PrependBos { get; }

    /// <summary>The token put first when <see cref="PrependBos"/>.</summary>
    public int BosTokenId { get; }

    /// <summary>The <c>--tokens</c> limit, if any.</summary>
    public long? MaxTokens { get; }

    /// <summary>Contexts in the harvest (before any <c>--shard K/N</c> split).</summary>
    public long Count { get; }

    /// <summary>Tokens in the harvest: <see cref="Count"/> × <see cref="Ctx"/>.</summary>
    public long Tokens => Count * Ctx;

    /// <summary>The corpus files, in the order they were joined.</summary>
    public IReadOnlyList<CorpusFile> Files { get; }

    /// <summary>Tokens of the joined stream that were tokenised: all of it, or with a token limit the first ones the contexts take.</summary>
    public long StreamTokens => _stream.Length;

    /// <summary>The largest token id used by the contexts (to check against a model's vocabulary).</summary>
    public int MaxTokenId()
    {
        var used = _stream.AsSpan(0, (int)Math.Min(_stream.Length, Count * StreamTokensPerContext));
        var max = used.IsEmpty ? 0 : used[0];
        foreach (var id in used) max = Math.Max(max, id);
        return PrependBos ? Math.Max(max, BosTokenId) : max;
    }

    /// <summary>Corpus record for a manifest (the rule says how documents are read only when a file holds several).</summary>
    public CorpusRecord Record => new(Files, StreamTokens,
        Files.Any(f => f.Format is not null) ? $"{ContextBuilder.Rule} {ContextBuilder.DocumentRule}" : ContextBuilder.Rule);

    private int StreamTokensPerContext => Ctx - (PrependBos ? 1 : 0);

    /// <summary>Writes context <paramref name="context"/>'s <see cref="Ctx"/> tokens into <paramref name="into"/>.</summary>
    public void Fill(long context, Span<int> into)
    {
        if ((ulong)context >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(context), $"context {context} of {Count}");
        var width = StreamTokensPerContext;
        var at = 0;
        if (PrependBos) into[at++] = BosTokenId;
        _stream.AsSpan(checked((int)(context * width)), width).CopyTo(into[at..]);
    }
}

/// <summary>Turns corpus files (or token ids) into the contexts of a harvest.</summary>
public static class ContextBuilder
{
    /// <summary>The default tokens per context (harvest, records, eval-sae, benchmarks, quickstart).</summary>
    public const int DefaultCtx = 128;

    /// <summary>The options that shape contexts (a job's property names) by meaning, for <see cref="InvalidOptionException"/>s.</summary>
    public static string Meaning(string option) => option switch
    {
        "Ctx" => "context length",
        "Tokens" => "token limit",
        "PrependBos" => "BOS prepending",
        "Corpus" => "corpus file",
        "TextField" => "text field",
        _ => option,
    };

    /// <summary>The context rule, recorded in every manifest.</summary>
    public const string Rule =
        "files are tokenised in the order given and joined with <|endoftext|> (50256) between files; a literal <|endoftext|> " +
        "in a file is that special token. Contexts are consecutive non-overlapping windows of ctx tokens of the stream " +
        "(ctx-1 when a BOS is prepended, which is then put first); windows run across document boundaries; the last " +
        "partial window is dropped. --tokens N keeps the first ceil(N/ctx) contexts; --shard K/N keeps the contexts i " +
        "with i % N == K-1; the context column holds the global index i.";

    /// <summary>
    /// How a file of several documents is read, added to <see cref="Rule"/> in the manifests of corpora that have one (so
    /// that the rule of a text corpus, and its manifests, stay as they were).
    /// </summary>
    public const string DocumentRule =
        "A JSON-lines file holds one document per line (its text field) and a Parquet file one per row (its text column); " +
        "documents are joined with <|endoftext|> as files are, and empty ones are left out.";

    /// <summary>
    /// Tokenises the corpus files <paramref name="paths"/> name (files, folders or globs: <see cref="CorpusInputs"/>) with
    /// <paramref name="tokenizer"/> and joins their documents (see <see cref="Rule"/>); returns the stream and each file's
    /// name, SHA-256, token count and how it was read. The files are read in pieces: with <paramref name="maxStreamTokens"/>,
    /// tokenising stops once the stream holds that many tokens (the stream is then its first <paramref name="maxStreamTokens"/>
    /// tokens, and a file's count is its tokens in it); every file is still hashed whole and checked to hold some text.
    /// </summary>
    /// <param name="paths">Corpus files, folders or globs, in order.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="maxStreamTokens">Stop once the stream holds this many tokens (default: tokenise everything).</param>
    /// <param name="warn">Called with one line per file that is not valid UTF-8 (how much of it became U+FFFD).</param>
    /// <param name="textField">The JSON field or Parquet column that holds a document's text.</param>
    /// <exception cref="InterpException">A file is missing, unreadable, of an unknown kind or without text; a line or row
    /// is not a document; a folder or glob matches nothing.</exception>
    public static (int[] Stream, IReadOnlyList<CorpusFile> Files) Tokenize(IReadOnlyList<string> paths, Gpt2Tokenizer tokenizer,
        long? maxStreamTokens = null, Action<string>? warn = null, string textField = CorpusInput.DefaultTextField)
    {
        if (paths.Count == 0) throw Refuse(n => $"no corpus given: pass at least one {n("Corpus")}");
        var limit = maxStreamTokens ?? long.MaxValue;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(maxStreamTokens));
        var stream = new TokenChunks();
        var files = new List<CorpusFile>();
        foreach (var input in CorpusInputs.Expand(paths))
        {
            using var documents = CorpusDocuments.Open(input, textField);
            var (fileTokens, any) = (0L, false);
            foreach (var document in documents.Read())
            {
                var first = !any;
                any = true;
                if (stream.Count >= limit) break;
                if (stream.Count > 0)
                {
                    var separator = stream.Add([Gpt2Tokenizer.EndOfTextId], limit);
                    if (!first) fileTokens += separator;        // between a file's documents; the one between files is no file's
                }
                foreach (var ids in tokenizer.EncodeChunks(document))
                {
                    fileTokens += stream.Add(ids, limit);
                    if (stream.Count >= limit) break;
                }
                if (stream.Count >= limit) break;                  // read no further document
            }
            if (!any)
                throw new InterpException(input.Format == CorpusFormat.Text ? $"{input.Path}: corpus file is empty" : $"{input.Path}: no document holds text (field '{textField}')");
            if (documents.ReplacementWarning() is { } warning) warn?.Invoke(warning);
            files.Add(new CorpusFile(input.Path, CorpusTextFile.Sha256(input.Path), fileTokens, input.ManifestFormat,
                input.Format == CorpusFormat.Text ? null : textField));
        }
        return (stream.ToArray(), files);
    }

    /// <summary>Token ids gathered in chunks and joined once, so the stream never sits in a half-empty growing list.</summary>
    private sealed class TokenChunks
    {
        private readonly List<int[]> _chunks = [];

        public long Count { get; private set; }

        /// <summary>Appends <paramref name="ids"/> up to <paramref name="limit"/> tokens in all; returns how many it took.</summary>
        public int Add(int[] ids, long limit)
        {
            var take = (int)Math.Min(ids.Length, limit - Count);
            if (take <= 0) return 0;
            _chunks.Add(take == ids.Length ? ids : ids[..take]);
            Count += take;
            return take;
        }

        public int[] ToArray()
        {
            if (Count > Array.MaxLength)
                throw Refuse(n => $"corpus: {Count:N0} tokens is more than one stream holds ({Array.MaxLength:N0}); pass {n("Tokens")}");
            var all = new int[Count];
            var at = 0;
            foreach (var chunk in _chunks)
            {
                chunk.CopyTo(all, at);
                at += chunk.Length;
            }
            return all;
        }
    }

    /// <summary>
    /// The contexts of a harvest of <paramref name="paths"/> (see <see cref="Rule"/>), tokenising no more of the corpus
    /// than they need: <see cref="Tokenize"/> then <see cref="Build"/>.
    /// </summary>
    /// <exception cref="InterpException">Bad ctx or token limit, a bad corpus file (see <see cref="Tokenize"/>), or too short a corpus.</exception>
    public static ContextSet FromFiles(IReadOnlyList<string> paths, Gpt2Tokenizer tokenizer, int ctx, bool prependBos, long? maxTokens = null,
        Action<string>? warn = null, string textField = CorpusInput.DefaultTextField)
    {
        CheckSizes(ctx, prependBos, maxTokens);
        long? limit = maxTokens is { } n ? StreamTokensFor(n, ctx, prependBos) : null;
        var (stream, files) = Tokenize(paths, tokenizer, limit, warn, textField);
        return Build(stream, files, ctx, prependBos, maxTokens);
    }

    /// <summary>
    /// Corpus tokens that the first ceil(<paramref name="maxTokens"/>/<paramref name="ctx"/>) contexts take (ctx-1 each
    /// with a BOS); <see cref="long.MaxValue"/> when that does not fit.
    /// </summary>
    public static long StreamTokensFor(long maxTokens, int ctx, bool prependBos)
    {
        CheckSizes(ctx, prependBos, maxTokens);
        var width = ctx - (prependBos ? 1 : 0);
        var contexts = ContextsFor(maxTokens, ctx);
        return contexts > long.MaxValue / width ? long.MaxValue : contexts * width;
    }

    /// <summary>ceil(<paramref name="tokens"/> / <paramref name="ctx"/>), without overflow.</summary>
    private static long ContextsFor(long tokens, int ctx) => tokens / ctx + (tokens % ctx == 0 ? 0 : 1);

    private static void CheckSizes(int ctx, bool prependBos, long? maxTokens)
    {
        if (ctx < (prependBos ? 2 : 1)) throw Refuse(n => $"{n("Ctx")} {ctx}: must be at least {(prependBos ? 2 : 1)}{(prependBos ? $" with {n("PrependBos")}" : "")}");
        if (maxTokens is <= 0) throw Refuse(n => $"{n("Tokens")} {maxTokens}: must be positive");
    }

    /// <summary>An option that shapes contexts refused, named by <see cref="Meaning"/> unless a front end renames it.</summary>
    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    /// <summary>
    /// Cuts <paramref name="stream"/> into contexts of <paramref name="ctx"/> tokens (see <see cref="Rule"/>).
    /// </summary>
    /// <exception cref="InterpException">Bad ctx, or the stream is too short for one context or for <paramref name="maxTokens"/>.</exception>
    public static ContextSet Build(int[] stream, IReadOnlyList<CorpusFile> files, int ctx, bool prependBos, long? maxTokens = null,
        int bosTokenId = Gpt2Tokenizer.EndOfTextId)
    {
        CheckSizes(ctx, prependBos, maxTokens);
        var width = ctx - (prependBos ? 1 : 0);
        long available = stream.Length / width;
        if (available == 0)
            throw new InterpException($"corpus has {stream.Length} tokens: not enough for one context of {ctx}{(prependBos ? " (with BOS)" : "")}");
        var count = available;
        if (maxTokens is { } n)
        {
            var wanted = ContextsFor(n, ctx);
            if (wanted > available)
                throw Refuse(o => $"{o("Tokens")} {n:N0} needs {wanted:N0} contexts of {ctx}, but the corpus ({stream.Length:N0} tokens) " +
                                          $"gives only {available:N0} ({available * ctx:N0} tokens)");
            count = wanted;
        }
        return new ContextSet(stream, files, ctx, prependBos, bosTokenId, maxTokens, count);
    }

    /// <summary>
    /// Contexts from token ids already tokenised (e.g. for a model without a tokenizer); the corpus is recorded as
    /// <paramref name="name"/> with the SHA-256 of the ids as little-endian int32.
    /// </summary>
    public static ContextSet FromTokenIds(int[] ids, int ctx, bool prependBos = false, long? maxTokens = null,
        int bosTokenId = Gpt2Tokenizer.EndOfTextId, string name = "(token ids)")
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(ids.AsSpan())));
        return Build(ids, [new CorpusFile(name, sha, ids.Length)], ctx, prependBos, maxTokens, bosTokenId);
    }
}
