namespace Interp.AutoInterp.Explain;

/// <summary>
/// The forms a token is matched in by a <see cref="TokenPattern"/>: exactly, as a word (trimmed, lower case), or by
/// class (a number, punctuation, a line break, a capitalised word).
/// </summary>
public static class TokenForms
{
    /// <summary>Class of tokens made only of digits.</summary>
    public const string Number = "number";
    /// <summary>Class of tokens made only of punctuation and symbols.</summary>
    public const string Punctuation = "punctuation";
    /// <summary>Class of whitespace tokens holding a line break.</summary>
    public const string LineBreak = "line break";
    /// <summary>Class of letter-only tokens that start with a capital.</summary>
    public const string Capitalised = "capitalised word";

    /// <summary>The token trimmed of whitespace and lower-cased.</summary>
    public static string Word(string token)
    {
        var trimmed = token.Trim();
        foreach (var c in trimmed)
            if (char.IsUpper(c)) return trimmed.ToLowerInvariant();
        return trimmed;
    }

    /// <summary>The token's class, or null when it is an ordinary word or mixed.</summary>
    public static string? Class(string token)
    {
        var t = token.AsSpan().Trim();
        if (t.Length == 0) return token.Contains('\n') ? LineBreak : null;
        bool digits = true, punctuation = true, letters = true;
        foreach (var c in t)
        {
            if (!char.IsAsciiDigit(c)) digits = false;
            if (!char.IsPunctuation(c) && !char.IsSymbol(c)) punctuation = false;
            if (!char.IsLetter(c)) letters = false;
        }
        if (digits) return Number;
        if (punctuation) return Punctuation;
        if (letters && char.IsUpper(t[0])) return Capitalised;
        return null;
    }
}
