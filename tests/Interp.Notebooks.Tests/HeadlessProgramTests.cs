namespace Interp.Notebooks.Tests;

/// <summary>How a notebook's cells become one program: directives, hoisted usings, cell markers and line mapping, refusals.</summary>
public sealed class HeadlessProgramTests
{
    private static readonly string LibraryFolder = Path.Combine(RepoFolders.Root, "src", "Interp.Cli", "bin", "Release", "net10.0", "linux-x64");

    [Fact]
    public void Usings_move_to_the_top_and_each_cell_keeps_its_own_line_numbers()
    {
        using var folder = new SyntheticNotebook(nameof(Usings_move_to_the_top_and_each_cell_keeps_its_own_line_numbers));
        var notebook = folder.Write(
            ("markdown", "# Title\n"),
            ("code", "var a = 1;\n"),
            ("code", "Console.WriteLine(a);\nusing System.IO;\nusing static System.Math;\nusing var stream = new MemoryStream();\nConsole.WriteLine(Abs(-2));"));

        var program = HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath).Split('\n');

        var firstCell = Array.IndexOf(program, "__NotebookCell(1);");
        Assert.True(Array.IndexOf(program, "using System.IO;") is var io && io >= 0 && io < firstCell, "using System.IO; was not moved above the first cell");
        Assert.True(Array.IndexOf(program, "using static System.Math;") is var math && math >= 0 && math < firstCell, "using static was not moved");
        // The using declaration (a statement) stays where it is, on line 4 of its cell.
        var second = Array.IndexOf(program, "#line 1 \"code cell 2\"");
        Assert.True(second > firstCell, "code cell 2 is not mapped to its own line numbers");
        Assert.Equal("using var stream = new MemoryStream();", program[second + 4]);
        Assert.Equal("Console.WriteLine(Abs(-2));", program[second + 5]);
        Assert.DoesNotContain(program, l => l.StartsWith("#:project", StringComparison.Ordinal));
    }

    [Fact]
    public void Library_dlls_become_project_references_and_a_nuget_package_takes_the_central_version()
    {
        using var folder = new SyntheticNotebook(nameof(Library_dlls_become_project_references_and_a_nuget_package_takes_the_central_version));
        var notebook = folder.Write(("code",
            $"#r \"{Path.Combine(LibraryFolder, "TorchSharp.dll")}\"\n#r \"{Path.Combine(LibraryFolder, "Interp.Model.dll")}\"\n" +
            $"#r \"nuget: ScottPlot, {CentralVersion("ScottPlot")}\"\nConsole.WriteLine(1);"));

        var program = HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath).Split('\n');

        var project = Path.GetRelativePath(Path.GetDirectoryName(folder.ProgramPath)!, Path.Combine(RepoFolders.Root, "src", "Interp.Model", "Interp.Model.csproj"));
        Assert.Equal(["#:project " + project.Replace('\\', '/')], program.Where(l => l.StartsWith("#:project", StringComparison.Ordinal)));
        Assert.Equal(["#:package ScottPlot"], program.Where(l => l.StartsWith("#:package", StringComparison.Ordinal)));
        Assert.Contains("#:property UsesTorch=true", program);
    }

    [Fact]
    public void A_package_version_other_than_the_central_one_is_refused()
    {
        using var folder = new SyntheticNotebook(nameof(A_package_version_other_than_the_central_one_is_refused));
        var notebook = folder.Write(("code", "Console.WriteLine(1);"), ("code", "#r \"nuget: ScottPlot, 0.0.1\""));

        var error = Assert.Throws<NotebookException>(() => HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath));

        Assert.Contains("code cell 2, line 1", error.Message);
        Assert.Contains("0.0.1", error.Message);
        Assert.Contains(CentralVersion("ScottPlot"), error.Message);
    }

    [Fact]
    public void Dlls_from_two_folders_are_refused()
    {
        using var folder = new SyntheticNotebook(nameof(Dlls_from_two_folders_are_refused));
        var notebook = folder.Write(("code", $"#r \"{Path.Combine(LibraryFolder, "Interp.Core.dll")}\"\n#r \"/elsewhere/Interp.Model.dll\""));

        var error = Assert.Throws<NotebookException>(() => HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath));

        Assert.Contains("code cell 1, line 2", error.Message);
    }

    [Fact]
    public void A_type_declared_in_a_cell_is_refused_with_its_cell_and_line()
    {
        using var folder = new SyntheticNotebook(nameof(A_type_declared_in_a_cell_is_refused_with_its_cell_and_line));
        var notebook = folder.Write(("code", "var record = 1;\nConsole.WriteLine(record);"), ("code", "// a type\nsealed record Point(int X, int Y);"));

        var error = Assert.Throws<NotebookException>(() => HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath));

        Assert.Contains("code cell 2, line 2", error.Message);
    }

    [Fact]
    public void A_cell_in_another_language_is_refused()
    {
        using var folder = new SyntheticNotebook(nameof(A_cell_in_another_language_is_refused));
        var notebook = folder.Write(("code", "Console.WriteLine(1);"), ("code", "printfn \"hi\""));
        notebook.CodeCells.Last().Json["metadata"]!["dotnet_interactive"]!["language"] = "fsharp";

        var error = Assert.Throws<NotebookException>(() => HeadlessProgram.Generate(notebook, RepoFolders.Root, folder.ProgramPath));

        Assert.Contains("code cell 2", error.Message);
        Assert.Contains("fsharp", error.Message);
    }

    private static string CentralVersion(string package) =>
        LibraryReferences.CentralVersions(Path.Combine(RepoFolders.Root, "Directory.Packages.props"))[package];
}
