using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Interp.Notebooks.Tests;

/// <summary>One cell of a notebook: its kind, its source joined into one string, and its JSON (to read metadata or set outputs).</summary>
/// <param name="Index">0-based position among all cells.</param>
/// <param name="CodeOrdinal">1-based position among the code cells; 0 for markdown and raw cells.</param>
public sealed record NotebookCell(int Index, int CodeOrdinal, string CellType, string Source, JsonObject Json)
{
    public bool IsCode => CellType == "code";
}

/// <summary>
/// A Jupyter notebook (<c>.ipynb</c>, nbformat 4) read as JSON. Only the code cells' outputs are ever changed; every other
/// key is written back as it was read, with Jupyter's own layout (one-space indent, non-ASCII kept), so a refresh of the
/// outputs shows in a diff as outputs only.
/// </summary>
public sealed class NotebookDocument
{
    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _root;

    private NotebookDocument(string path, JsonObject root, IReadOnlyList<NotebookCell> cells)
    {
        (Path, _root, Cells) = (path, root, cells);
    }

    public string Path { get; }

    public IReadOnlyList<NotebookCell> Cells { get; }

    public IEnumerable<NotebookCell> CodeCells => Cells.Where(c => c.IsCode);

    public JsonObject Root => _root;

    /// <summary>Reads <paramref name="path"/>; a file that is not an nbformat-4 notebook is an <see cref="InvalidDataException"/>.</summary>
    public static NotebookDocument Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        if (root["nbformat"]?.GetValue<int>() != 4) throw new InvalidDataException($"{path}: not an nbformat 4 notebook");
        var cells = new List<NotebookCell>();
        var code = 0;
        foreach (var node in root["cells"] as JsonArray ?? throw new InvalidDataException($"{path}: no cells array"))
        {
            var cell = node as JsonObject ?? throw new InvalidDataException($"{path}: cell {cells.Count + 1} is not an object");
            var type = cell["cell_type"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: cell {cells.Count + 1} has no cell_type");
            cells.Add(new NotebookCell(cells.Count, type == "code" ? ++code : 0, type, JoinSource(cell["source"]), cell));
        }
        return new NotebookDocument(path, root, cells);
    }

    /// <summary>Replaces a code cell's outputs and execution count.</summary>
    public void SetOutputs(NotebookCell cell, JsonArray outputs)
    {
        if (!cell.IsCode) throw new ArgumentException("only code cells have outputs", nameof(cell));
        cell.Json["execution_count"] = cell.CodeOrdinal;
        cell.Json["outputs"] = outputs;
    }

    /// <summary>Writes the notebook to <paramref name="path"/> (default: where it was read from).</summary>
    public void Save(string? path = null) =>
        File.WriteAllText(path ?? Path, _root.ToJsonString(WriteOptions) + "\n");

    /// <summary>Jupyter stores text as one string or as a list of lines (each with its newline); both read as one string.</summary>
    public static string JoinSource(JsonNode? source) => source switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>() ?? "")),
        _ => source.GetValue<string>(),
    };

    /// <summary>Text as Jupyter's list of lines, each but the last ending in a newline.</summary>
    public static JsonArray SplitLines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline + 1;
            lines.Add(text[start..end]);
            start = end;
        }
        return lines;
    }
}
