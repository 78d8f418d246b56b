using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace Interp.Core.Tokenization;

/// <summary>
/// GPT-2's pre-tokenizer, <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, over
/// Unicode code points with Python <c>regex</c> semantics (<c>\s</c> is Unicode White_Space; a surrogate pair is one
/// character of its code point's category; a lone surrogate is neither letter, digit nor space).
/// </summary>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    public static readonly Gpt2PreTokenizer Instance = new();

    private enum Kind : byte { Letter, Number, Space, Other }

    private static readonly Kind[] Ascii = BuildAscii();

    private static Kind[] BuildAscii()
    {
        var kinds = new Kind[128];
        for (int c = 0; c < 128; c++)
        {
            kinds[c] = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' ? Kind.Letter
                : c is >= '0' and <= '9' ? Kind.Number
                : c is ' ' or >= '\t' and <= '\r' ? Kind.Space
                : Kind.Other;
        }
        return kinds;
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        text is null ? [] : PreTokenize(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int Offset, int Length)>(text.Length / 4 + 1);
        Split(text, pieces);
        return pieces;
    }

    /// <summary>Appends the pieces of <paramref name="s"/> (offset, length in chars) to <paramref name="pieces"/>.</summary>
    internal static void Split(ReadOnlySpan<char> s, List<(int Offset, int Length)> pieces)
    {
        int n = s.Length, i = 0;
        while (i < n)
        {
            char c = s[i];
            if (c == '\'' && i + 1 < n)
            {
                int contraction = ContractionLength(s, i);
                if (contraction > 0)
                {
                    pieces.Add((i, contraction));
                    i += contraction;
                    continue;
                }
            }

            Kind kind = Classify(s, i, out int width);
            if (c == ' ' && i + 1 < n)
            {
                Kind next = Classify(s, i + 1, out int nextWidth);
                if (next != Kind.Space)
                {
                    int end = ScanRun(s, i + 1 + nextWidth, next);
                    pieces.Add((i, end - i));
                    i = end;
                    continue;
                }
            }
            if (kind != Kind.Space)
            {
                int end = ScanRun(s, i + width, kind);
                pieces.Add((i, end - i));
                i = end;
                continue;
            }

            // A whitespace run: \s+(?!\S) takes all of it at the end of the text, or all but its last character when
            // something follows (that character then prefixes the next piece or stands alone); a single whitespace
            // character before a non-space is matched by the last alternative, \s+.
            int j = i, last = i;
            while (j < n && Classify(s, j, out int w) == Kind.Space)
            {
                last = j;
                j += w;
            }
            int stop = j == n || last == i ? j : last;
            pieces.Add((i, stop - i));
            i = stop;
        }
    }

    private static int ContractionLength(ReadOnlySpan<char> s, int i)
    {
        char a = s[i + 1];
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (i + 2 < s.Length)
        {
            char b = s[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        }
        return 0;
    }

    private static int ScanRun(ReadOnlySpan<char> s, int i, Kind kind)
    {
        while (i < s.Length && Classify(s, i, out int w) == kind) i += w;
        return i;
    }

    private static Kind Classify(ReadOnlySpan<char> s, int i, out int width)
    {
        char c = s[i];
        if (c < 128)
        {
            width = 1;
            return Ascii[c];
        }
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return FromCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1])));
        }
        width = 1;
        return char.IsWhiteSpace(c) ? Kind.Space : FromCategory(CharUnicodeInfo.GetUnicodeCategory(c));
    }

    private static Kind FromCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Kind.Space,
        _ => Kind.Other,
    };
}
