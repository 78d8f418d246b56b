namespace Interp.Web.Charts;

/// <summary>
/// Text handed to Plotly (axis labels, hover text) is read as a small HTML subset (&lt;b&gt;, &lt;a href&gt;, …): escape
/// &amp;, &lt; and &gt; so that a token such as <c>&lt;a href=…&gt;</c> stays text.
/// </summary>
public static class PlotlyText
{
    /// <summary>The escaped text.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }
}
