using System.Text.Json.Nodes;

namespace Interp.Notebooks.Tests;

/// <summary>Writes small notebooks for the tests of the headless machinery, in a folder of their own under the temp folder.</summary>
internal sealed class SyntheticNotebook : IDisposable
{
    public SyntheticNotebook(string name)
    {
        // A stable folder per test: the SDK keys a file-based app's build cache by the program's path, so re-runs build incrementally.
        Folder = Path.Combine(Path.GetTempPath(), "interp-notebook-tests", name);
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string ProgramPath => Path.Combine(Folder, "headless", "notebook.cs");

    /// <summary>A notebook of C# code cells (<c>("code", source)</c>) and markdown cells (<c>("markdown", text)</c>).</summary>
    public NotebookDocument Write(params (string Type, string Source)[] cells)
    {
        var array = new JsonArray();
        foreach (var (type, source) in cells)
        {
            var cell = new JsonObject
            {
                ["cell_type"] = type,
                ["metadata"] = type == "code"
                    ? new JsonObject
                    {
                        ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                    }
                    : new JsonObject(),
                ["source"] = NotebookDocument.SplitLines(source),
            };
            if (type == "code")
            {
                cell["execution_count"] = null;
                cell["outputs"] = new JsonArray();
            }
            array.Add(cell);
        }
        var root = new JsonObject { ["cells"] = array, ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 2 };
        var path = Path.Combine(Folder, "synthetic.ipynb");
        File.WriteAllText(path, root.ToJsonString());
        return NotebookDocument.Load(path);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
