namespace Interp.Notebooks.Tests;

/// <summary>
/// The headless runner on small notebooks that reference nothing (each builds in seconds): outputs come back per
/// cell, and a failure names its cell and line whether it happens at compile time or at run time.
/// </summary>
[Collection(HeadlessCollection.Name)]
public sealed class HeadlessRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void Cells_share_variables_and_their_outputs_come_back_per_cell()
    {
        using var folder = new SyntheticNotebook(nameof(Cells_share_variables_and_their_outputs_come_back_per_cell));
        var notebook = folder.Write(
            ("code", "var greeting = \"hello\";\nConsole.WriteLine(greeting);"),
            ("markdown", "Some prose."),
            ("code", "using System.IO;\nvar png = Convert.ToBase64String(new byte[] { 0x89, 0x50, 0x4e, 0x47 });\n" +
                     "display(HTML($\"<img src=\\\"data:image/png;base64,{png}\\\">\"));\ndisplay(greeting.ToUpperInvariant());\n" +
                     "Console.WriteLine(Path.GetFileName(Directory.GetCurrentDirectory()));"),
            ("code", "var unused = greeting.Length;"));

        var run = HeadlessRunner.Run(notebook, RepoFolders.Root, folder.ProgramPath, Timeout);

        Assert.Equal([1, 2, 3], run.Outputs.Started);
        Assert.Equal("hello\n", NotebookDocument.JoinSource(Assert.Single(run.Outputs.For(1))!["text"]));
        var second = run.Outputs.For(2);
        Assert.Equal(2, second.Count);
        Assert.Equal("iVBORw==", second[0]!["data"]!["image/png"]!.GetValue<string>());
        // The program runs in the notebook's folder, as a notebook kernel does.
        Assert.Equal($"HELLO\n{Path.GetFileName(folder.Folder)}\n", NotebookDocument.JoinSource(second[1]!["text"]));
        Assert.Empty(run.Outputs.For(3));
        Assert.False(File.Exists(folder.ProgramPath), "the generated program was left behind");
    }

    [Fact]
    public void A_cell_that_throws_is_named_with_its_line_and_the_cells_after_it_do_not_run()
    {
        using var folder = new SyntheticNotebook(nameof(A_cell_that_throws_is_named_with_its_line_and_the_cells_after_it_do_not_run));
        var notebook = folder.Write(
            ("code", "Console.WriteLine(\"one\");"),
            ("code", "var items = new int[2];\nConsole.WriteLine(\"two\");\nthrow new InvalidOperationException(\"the second cell failed\");"),
            ("code", "Console.WriteLine(\"three\");"));

        var error = Assert.Throws<NotebookException>(() => HeadlessRunner.Run(notebook, RepoFolders.Root, folder.ProgramPath, Timeout));

        Assert.Contains("code cell 2, line 3", error.Message);
        Assert.Contains("the second cell failed", error.Message);
        Assert.DoesNotContain("three", error.Message);
        Assert.False(File.Exists(folder.ProgramPath), "the generated program was left behind after a failure");
    }

    [Fact]
    public void A_compile_error_is_named_with_its_cell_and_line()
    {
        using var folder = new SyntheticNotebook(nameof(A_compile_error_is_named_with_its_cell_and_line));
        var notebook = folder.Write(
            ("code", "var count = 3;"),
            ("code", "Console.WriteLine(count);\n\nint wrong = \"text\";"));

        var error = Assert.Throws<NotebookException>(() => HeadlessRunner.Run(notebook, RepoFolders.Root, folder.ProgramPath, Timeout));

        Assert.Contains("code cell 2, line 3: error CS0029", error.Message);
    }
}
