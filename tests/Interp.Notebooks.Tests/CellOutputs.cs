using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Interp.Notebooks.Tests;

/// <summary>
/// A headless run's stdout split per code cell into Jupyter outputs: the text a cell printed as one <c>stream</c>
/// output (several when displays come between), and each <c>display(HTML(...))</c> as <c>display_data</c>. HTML that is
/// a single <c>&lt;img&gt;</c> with a data URI (what a plot's <c>GetPngHtml</c> gives) becomes that image's own MIME
/// bundle (<c>image/png</c>, <c>image/svg+xml</c>), which every notebook viewer shows; other HTML stays <c>text/html</c>.
/// </summary>
public sealed partial class CellOutputs
{
    private readonly Dictionary<int, JsonArray> _outputs = [];
    private readonly List<int> _started = [];
    private readonly List<long> _startedAt = [];
    private long? _endAt;

    /// <summary>Code cells (1-based ordinals) that started, in order.</summary>
    public IReadOnlyList<int> Started => _started;

    /// <summary>Milliseconds since the program started at which each started cell began (same order as <see cref="Started"/>).</summary>
    public IReadOnlyList<long> StartedAtMilliseconds => _startedAt;

    /// <summary>Whether the program got past the last cell.</summary>
    public bool Finished => _endAt is not null;

    /// <summary>How long each started cell ran (to the next cell's start, the last one to the end; 0 for a cell that never ended).</summary>
    public IEnumerable<(int Cell, TimeSpan Duration)> Durations() =>
        _started.Select((cell, i) => (cell, TimeSpan.FromMilliseconds(
            (i + 1 < _startedAt.Count ? _startedAt[i + 1] : _endAt ?? _startedAt[i]) - _startedAt[i])));

    /// <summary>The outputs of code cell <paramref name="ordinal"/> (empty when it printed nothing or never ran).</summary>
    public JsonArray For(int ordinal) => _outputs.TryGetValue(ordinal, out var outputs) ? outputs : [];

    /// <summary>Parses the program's stdout (see <see cref="HeadlessProgram"/> for the marker lines).</summary>
    public static CellOutputs Parse(string stdout)
    {
        var result = new CellOutputs();
        var current = 0;                                    // 0: before the first cell (nothing of the notebook's)
        var text = new StringBuilder();
        void FlushText()
        {
            if (text.Length > 0 && current > 0) result.Add(current, Stream(text.ToString()));
            text.Clear();
        }

        var rest = stdout.Replace("\r\n", "\n");
        while (rest.Length > 0)
        {
            var at = rest.IndexOf(HeadlessProgram.Marker, StringComparison.Ordinal);
            if (at < 0)
            {
                text.Append(rest);
                break;
            }
            text.Append(rest, 0, at);                       // a cell's last Console.Write without a newline ends here
            var end = rest.IndexOf('\n', at);
            var marker = rest[(at + HeadlessProgram.Marker.Length)..(end < 0 ? rest.Length : end)].Trim();
            rest = end < 0 ? "" : rest[(end + 1)..];
            var parts = marker.Split(' ', 3);
            switch (parts)
            {
                case ["cell", var n, var milliseconds]:
                    FlushText();
                    current = int.Parse(n, CultureInfo.InvariantCulture);
                    result._started.Add(current);
                    result._startedAt.Add(long.Parse(milliseconds, CultureInfo.InvariantCulture));
                    break;
                case ["end", var milliseconds]:
                    FlushText();
                    current = 0;
                    result._endAt = long.Parse(milliseconds, CultureInfo.InvariantCulture);
                    break;
                case ["display", var mime, var base64]:
                    FlushText();
                    if (current > 0) result.Add(current, Display(mime, Encoding.UTF8.GetString(Convert.FromBase64String(base64))));
                    break;
                default:
                    throw new InvalidDataException($"unknown marker line '{marker}'");
            }
        }
        FlushText();
        return result;
    }

    private void Add(int cell, JsonObject output)
    {
        if (!_outputs.TryGetValue(cell, out var list)) _outputs[cell] = list = [];
        list.Add(output);
    }

    private static JsonObject Stream(string text) => new()
    {
        ["name"] = "stdout",
        ["output_type"] = "stream",
        ["text"] = NotebookDocument.SplitLines(text),
    };

    private static JsonObject Display(string mime, string content)
    {
        JsonNode data;
        var image = mime == "text/html" ? DataUriImage().Match(content) : Match.Empty;
        if (image.Success)
        {
            var (imageMime, payload) = (image.Groups[1].Value, image.Groups[2].Value);
            // nbformat keeps PNG as base64 text and SVG as plain text.
            data = new JsonObject
            {
                [imageMime] = imageMime == "image/svg+xml" ? NotebookDocument.SplitLines(Encoding.UTF8.GetString(Convert.FromBase64String(payload))) : payload,
            };
        }
        else data = new JsonObject { [mime] = NotebookDocument.SplitLines(content) };
        return new JsonObject
        {
            ["data"] = data,
            ["metadata"] = new JsonObject(),
            ["output_type"] = "display_data",
        };
    }

    [GeneratedRegex("""^\s*<img\b[^>]*\bsrc\s*=\s*["']data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/=]+)["'][^>]*>\s*(</img>)?\s*$""")]
    private static partial Regex DataUriImage();
}
