using System.Text;
using Interp.Core.Tokenization;
using Interp.Model.Harvest;

namespace Interp.Harvest.Tests.Faults;

/// <summary>
/// A corpus read in pieces (issue #12, point 3) gives exactly the ids of the whole text, stops at the tokens asked for,
/// and still records each whole file's hash; bytes that are not UTF-8 are counted (point 10).
/// </summary>
public class CorpusStreamingFaultTests
{
    private static readonly string[] Corpora = ["tinyshakespeare.txt", "moby-dick.txt", "wikitext-2-raw-test.txt"];

    // Pieces that meet GPT-2's pre-tokenizer at its edges: whitespace runs, contractions, non-BMP letters, the special
    // token (whole and in halves), Unicode spaces and separators, characters .NET calls whitespace but GPT-2 does not.
    private static readonly string[] Pieces =
    [
        " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \t ", "\u00A0", "\u2028", "\u3000", "\u0085", "\u001C", "\u000B",
        "'s", "'re", "'ve", "'ll", "'d", "'m", "'t", "'", "''", "don't", "I'm", "we're", "\U0001D408'm", "\U0001F600", "\U0001F600\U0001F600",
        "<|endoftext|>", "<|endo", "ftext|>", "abc", "Hello", " world", "123", " 456", "!!", "...", "é", "日本語", "\uFFFD", "\uD800", "\uDC00",
    ];

    [Fact]
    public void Bundled_corpora_encoded_in_pieces_of_random_sizes_give_the_ids_of_the_whole_text()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var random = new Random(12);
        foreach (var name in Corpora)
        {
            var text = File.ReadAllText(TestRepo.Corpus(name));
            var whole = tokenizer.Encode(text);
            foreach (var chunkChars in new[] { 97, 4096, Gpt2ChunkedEncoding.DefaultChunkChars })
            {
                var chunked = tokenizer.EncodeChunks(new RandomReadsReader(text, random.Next(), maxRead: chunkChars), chunkChars).SelectMany(ids => ids).ToArray();
                Assert.True(whole.AsSpan().SequenceEqual(chunked), $"{name}, chunks of {chunkChars} chars: ids differ from whole-text encoding");
            }
        }
    }

    [Fact]
    public void Adversarial_text_encoded_in_pieces_of_random_sizes_gives_the_ids_of_the_whole_text()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 400)).Select(_ => Pieces[random.Next(Pieces.Length)]));
            var whole = tokenizer.Encode(text);
            var chunkChars = random.Next(2, 40);
            var chunked = tokenizer.EncodeChunks(new RandomReadsReader(text, seed, maxRead: random.Next(1, 50)), chunkChars).SelectMany(ids => ids).ToArray();
            Assert.True(whole.AsSpan().SequenceEqual(chunked), $"seed {seed}, chunks of {chunkChars} chars: ids differ for \"{Escape(text)}\"");
        }
    }

    [Fact]
    public void Text_without_whitespace_is_still_read_in_pieces_and_gives_the_ids_of_the_whole_text()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var solid = Pieces.Where(p => !p.Any(char.IsWhiteSpace)).Concat(["a,b", "x<|endoftext|>y", "key\":\"value", "QUJD+/=="]).ToArray();
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 400)).Select(_ => solid[random.Next(solid.Length)]));
            var chunkChars = random.Next(2, 40);
            var chunked = tokenizer.EncodeChunks(new RandomReadsReader(text, seed, maxRead: random.Next(1, 50)), chunkChars).SelectMany(ids => ids).ToArray();
            Assert.True(tokenizer.Encode(text).AsSpan().SequenceEqual(chunked), $"seed {seed}, chunks of {chunkChars} chars: ids differ for \"{Escape(text)}\"");
        }

        // Minified data, 1.6 M chars without a space: held a piece at a time, not whole.
        var data = string.Concat(Enumerable.Repeat("{\"id\":12,\"name\":\"abc\"},", 64_000));
        var chunks = tokenizer.EncodeChunks(new StringReader(data), chunkChars: 4096).ToList();
        Assert.True(chunks.Count > 300, $"{chunks.Count} chunks");
        Assert.True(tokenizer.Encode(data).AsSpan().SequenceEqual(chunks.SelectMany(ids => ids).ToArray()));
    }

    [Fact]
    public void Text_is_cut_only_where_no_pre_token_can_span_the_cut()
    {
        Assert.Equal(3, Gpt2ChunkedEncoding.LastCut("abc def"));
        Assert.Equal(3, Gpt2ChunkedEncoding.LastCut("abc\n\n  "));
        Assert.Equal(0, Gpt2ChunkedEncoding.LastCut("   abc"));
        Assert.Equal(0, Gpt2ChunkedEncoding.LastCut("a\u00A0b"));     // a Unicode space: left whole, not a cut
        Assert.Equal(0, Gpt2ChunkedEncoding.LastCut("a\u0085 b"));    // NEL is whitespace to both: no cut after it
        Assert.Equal(5, Gpt2ChunkedEncoding.LastCut("ab,cd;12"));      // no whitespace: after the last letter followed by punctuation
        Assert.Equal(0, Gpt2ChunkedEncoding.LastCut("<|endoftext|>")); // never inside the special token
        Assert.Equal(0, Gpt2ChunkedEncoding.LastCut("12,34\u00E9!"));   // digits and non-ASCII letters: no cut
    }

    [Fact]
    public void A_token_limit_keeps_the_first_ids_and_still_hashes_every_whole_file()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var files = new[] { TestRepo.Corpus("tinyshakespeare.txt"), TestRepo.Corpus("moby-dick.txt") };
        var (whole, wholeRecords) = ContextBuilder.Tokenize(files, tokenizer);

        var intoSecond = wholeRecords[0].Tokens + 1 + 100;
        var (stream, records) = ContextBuilder.Tokenize(files, tokenizer, intoSecond);
        Assert.Equal(whole[..(int)intoSecond], stream);
        Assert.Equal([wholeRecords[0].Tokens, 100L], records.Select(r => r.Tokens));
        Assert.Equal(wholeRecords.Select(r => r.Sha256), records.Select(r => r.Sha256));
        Assert.Equal(StoreAssert.Sha256(files[1]), records[1].Sha256);

        var (first, firstRecords) = ContextBuilder.Tokenize(files, tokenizer, 1000);
        Assert.Equal(whole[..1000], first);
        Assert.Equal([1000L, 0L], firstRecords.Select(r => r.Tokens));
        Assert.Equal(wholeRecords.Select(r => r.Sha256), firstRecords.Select(r => r.Sha256));

        var contexts = ContextBuilder.FromFiles(files, tokenizer, ctx: 128, prependBos: true, maxTokens: 1000);
        Assert.Equal(8 * 127, contexts.StreamTokens);     // ceil(1000 / 128) contexts of 127 corpus tokens each
        Assert.Equal(ContextBuilder.Build(whole, wholeRecords, 128, prependBos: true, maxTokens: 1000).Count, contexts.Count);
    }

    [Fact]
    public void Bytes_that_are_not_UTF_8_read_as_the_default_decoder_reads_them_and_are_counted()
    {
        using var dir = new TempDir();
        var bytes = new byte[300_000];
        new Random(5).NextBytes(bytes);
        bytes[0] = (byte)'x';    // no byte-order mark by chance
        var path = Path.Combine(dir.Path, "random.bin");
        File.WriteAllBytes(path, bytes);

        var expected = new UTF8Encoding(false, false).GetString(bytes);
        Assert.DoesNotContain("\uFFFD", Encoding.UTF8.GetString(bytes).Replace("\uFFFD", "", StringComparison.Ordinal));
        var validBytes = Encoding.UTF8.GetByteCount(expected.Replace("\uFFFD", "", StringComparison.Ordinal));
        using var file = CorpusTextFile.Open(path);
        Assert.Equal(expected, file.Reader.ReadToEnd());
        Assert.Equal(bytes.Length - validBytes, file.ReplacedBytes);
        var warning = file.ReplacementWarning();
        Assert.NotNull(warning);
        Assert.StartsWith($"warning: {path}: not valid UTF-8: {bytes.Length - validBytes:N0} of {bytes.Length:N0} bytes (", warning);

        var bom = Path.Combine(dir.Path, "bom.txt");
        File.WriteAllText(bom, "caf\u00E9 \U0001F600\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        using var valid = CorpusTextFile.Open(bom);
        Assert.Equal("caf\u00E9 \U0001F600\n", valid.Reader.ReadToEnd());
        Assert.Equal(0, valid.ReplacedBytes);
        Assert.Null(valid.ReplacementWarning());
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\u007F' ? c.ToString() : $"\\u{(int)c:X4}"));

    /// <summary>A string read back in reads of random lengths (1 to <c>maxRead</c> chars), as a stream may give them.</summary>
    private sealed class RandomReadsReader(string text, int seed, int maxRead) : TextReader
    {
        private readonly Random _random = new(seed);
        private int _at;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(Math.Min(count, _random.Next(1, maxRead + 1)), text.Length - _at);
            text.CopyTo(_at, buffer, index, n);
            _at += n;
            return n;
        }

        public override int Peek() => _at < text.Length ? text[_at] : -1;

        public override int Read() => _at < text.Length ? text[_at++] : -1;
    }
}
