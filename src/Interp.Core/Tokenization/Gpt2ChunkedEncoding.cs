namespace Interp.Core.Tokenization;

/// <summary>
/// Encodes text read piece by piece, so that a corpus need not be in memory whole: the ids are exactly those of
/// <see cref="Gpt2Tokenizer.Encode"/> on the whole text.
/// </summary>
/// <remarks>
/// The text is cut only between a non-whitespace character and a following ASCII whitespace character. No piece of GPT-2's
/// pre-tokenizer (<c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>) holds whitespace
/// after a non-whitespace character (a space only ever comes first, and whitespace runs hold nothing else), so every
/// piece ends at such a cut or before it and the next piece starts there; the pattern has no look-behind, and its one
/// look-ahead, <c>\s+(?!\S)</c>, never reaches a cut because a chunk ends with a non-whitespace character.
/// <see cref="Gpt2Tokenizer.EndOfText"/> holds no whitespace, so a cut never splits it either.
/// <para>Text with no such place (minified or encoded data) is cut, failing that, between an ASCII letter and a following
/// ASCII punctuation character other than <c>|</c>: a letter run ends there, no contraction or piece holds a letter
/// followed by punctuation, and the only letter-then-<c>|</c> in <see cref="Gpt2Tokenizer.EndOfText"/> is kept whole.</para>
/// </remarks>
public static class Gpt2ChunkedEncoding
{
    /// <summary>Characters read before looking for a cut (2 MiB of UTF-16).</summary>
    public const int DefaultChunkChars = 1 << 20;

    /// <summary>
    /// The ids of the text of <paramref name="reader"/>, one array per chunk of about <paramref name="chunkChars"/>
    /// characters; stop enumerating to stop reading. A text with no cut anywhere (no whitespace after a non-whitespace
    /// character) is held whole.
    /// </summary>
    public static IEnumerable<int[]> EncodeChunks(this Gpt2Tokenizer tokenizer, TextReader reader, int chunkChars = DefaultChunkChars)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkChars, 2);
        return Chunks(tokenizer, reader, chunkChars);
    }

    private static IEnumerable<int[]> Chunks(Gpt2Tokenizer tokenizer, TextReader reader, int chunkChars)
    {
        var buffer = new char[chunkChars];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);   // no cut in a full buffer
            var read = reader.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                if (filled > 0) yield return tokenizer.Encode(new string(buffer, 0, filled));
                yield break;
            }
            filled += read;
            if (filled < buffer.Length) continue;
            var cut = LastCut(buffer.AsSpan(0, filled));
            if (cut <= 0) continue;
            yield return tokenizer.Encode(new string(buffer, 0, cut));
            buffer.AsSpan(cut, filled - cut).CopyTo(buffer);
            filled -= cut;
        }
    }

    /// <summary>
    /// The last index i with text[i-1] not whitespace and text[i] ASCII whitespace; else the last with text[i-1] an ASCII
    /// letter and text[i] ASCII punctuation other than '|'; 0 if there is neither.
    /// </summary>
    public static int LastCut(ReadOnlySpan<char> text)
    {
        for (var i = text.Length - 1; i > 0; i--)
        {
            if (text[i] is ' ' or '\n' or '\r' or '\t' && !char.IsWhiteSpace(text[i - 1])) return i;
        }
        for (var i = text.Length - 1; i > 0; i--)
        {
            if (char.IsAsciiLetter(text[i - 1]) && text[i] is >= '!' and <= '~' and not '|' && !char.IsAsciiLetterOrDigit(text[i])) return i;
        }
        return 0;
    }
}
