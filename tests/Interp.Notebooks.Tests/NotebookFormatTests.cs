using System.Text.Json.Nodes;

namespace Interp.Notebooks.Tests;

/// <summary>
/// The notebooks are Polyglot Notebooks C# notebooks (what VS Code opens with the .NET kernel) and reference the library
/// the way notebooks/README.md tells a reader to build it.
/// </summary>
public sealed class NotebookFormatTests
{
    // notebooks/README.md: build once with `dotnet build src/Interp.Cli -c Release -r linux-x64`; every notebook references that folder.
    private const string LibraryFolder = "../src/Interp.Cli/bin/Release/net10.0/linux-x64/";

    public static TheoryData<string> Notebooks() => NotebookTests.Notebooks();

    [Fact]
    public void The_three_workflow_notebooks_are_there()
    {
        var names = NotebookTests.NotebookNames();
        Assert.Contains("01-hooks-cache-ablation-patching.ipynb", names);
        Assert.Contains("02-train-evaluate-sae.ipynb", names);
        Assert.Contains("03-explain-and-score.ipynb", names);
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Is_a_csharp_polyglot_notebook(string notebookName)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepoFolders.Notebooks, notebookName));
        var metadata = notebook.Root["metadata"];

        Assert.Equal(".net-csharp", metadata?["kernelspec"]?["name"]?.GetValue<string>());
        Assert.Equal("C#", metadata?["kernelspec"]?["language"]?.GetValue<string>());
        Assert.Equal(".NET (C#)", metadata?["kernelspec"]?["display_name"]?.GetValue<string>());
        Assert.Equal("csharp", metadata?["language_info"]?["name"]?.GetValue<string>());
        Assert.All(notebook.CodeCells, cell =>
        {
            Assert.Equal("csharp", cell.Json["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>());
            Assert.Equal("csharp", cell.Json["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>());
        });
        Assert.True(notebook.Cells.Count(c => c.CellType == "markdown") >= notebook.CodeCells.Count() / 2,
            $"{notebookName}: fewer than one markdown cell for every two code cells; explain each step");
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void References_the_library_from_the_release_build_of_the_cli_in_its_first_code_cell(string notebookName)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepoFolders.Notebooks, notebookName));
        var references = notebook.CodeCells
            .SelectMany(c => c.Source.Split('\n').Where(LibraryReferences.IsReference).Select(line => (Cell: c.CodeOrdinal, Line: line.Trim())))
            .ToArray();
        var dlls = references.Where(r => !r.Line.Contains("nuget:", StringComparison.Ordinal)).ToArray();

        Assert.NotEmpty(dlls);
        Assert.All(dlls, r =>
        {
            Assert.Equal(1, r.Cell);
            Assert.StartsWith($"#r \"{LibraryFolder}", r.Line);
        });
        Assert.All(notebook.CodeCells, cell => Assert.IsType<JsonArray>(cell.Json["outputs"]));
    }
}
