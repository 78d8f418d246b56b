using System.Globalization;

namespace Interp.Web.Charts;

/// <summary>How a token is coloured and written in coloured text: orange for positive activations, blue for negative, by magnitude.</summary>
public static class TokenColours
{
    /// <summary>
    /// A CSS background colour for <paramref name="value"/> on a scale whose full colour is <paramref name="scale"/>
    /// (the largest |value| shown); transparent for 0 or a non-positive scale.
    /// </summary>
    public static string Background(float value, float scale)
    {
        if (!(scale > 0) || !float.IsFinite(value) || value == 0) return "transparent";
        var alpha = Math.Clamp(Math.Abs(value) / scale, 0f, 1f);
        var (r, g, b) = value > 0 ? (255, 140, 0) : (30, 120, 255);
        return string.Create(CultureInfo.InvariantCulture, $"rgba({r},{g},{b},{alpha:0.###})");
    }

    /// <summary>The largest |value| of <paramref name="values"/> (0 when empty).</summary>
    public static float Scale(IEnumerable<float> values) => values.Where(float.IsFinite).Select(Math.Abs).DefaultIfEmpty(0f).Max();

    /// <summary>
    /// A token as it is printed inside coloured text: newlines as ↵ and tabs as →, so a window stays on its lines;
    /// everything else exactly as the tokenizer gives it (the page writes it as text, never as markup).
    /// </summary>
    public static string Display(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "↵", StringComparison.Ordinal).Replace("\t", "→", StringComparison.Ordinal);
    }

    /// <summary>A value to three decimals, without a sign on values that round to zero.</summary>
    public static string Format(float value)
    {
        var text = value.ToString("0.###", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }

    /// <summary>The hover line of a token: the token quoted (as JSON would, so spaces show) and its value.</summary>
    public static string Hover(string token, float value) =>
        string.Create(CultureInfo.InvariantCulture, $"{System.Text.Json.JsonSerializer.Serialize(token, Json)}  {value:0.###}");

    private static readonly System.Text.Json.JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
