using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Interp.Notebooks.Tests;

/// <summary>
/// Every notebook in <c>notebooks/</c> runs headless with no error, and its committed outputs come from the code as it
/// is. With <c>INTERP_NOTEBOOKS_WRITE_OUTPUTS=1</c> the run's outputs are written back into the notebook first.
/// </summary>
[Collection(HeadlessCollection.Name)]
public sealed class NotebookTests(ITestOutputHelper output)
{
    public const string WriteOutputsVariable = "INTERP_NOTEBOOKS_WRITE_OUTPUTS";

    /// <summary>The notebooks' file names, in order.</summary>
    public static string[] NotebookNames() =>
        Directory.GetFiles(RepoFolders.Notebooks, "*.ipynb").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Notebooks() => new(NotebookNames());

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Runs_headless_with_no_error_and_its_committed_outputs_match_the_run(string notebookName)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepoFolders.Notebooks, notebookName));
        // One libtorch thread, as for the other test projects' child processes: test assemblies run side by side, and
        // libtorch's spinning worker threads slow down many times over on cores that other processes hold.
        var environment = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "1" };
        var run = HeadlessRunner.Run(notebook, RepoFolders.Root, RepoFolders.HeadlessProgram(notebookName), TimeSpan.FromMinutes(10), environment);
        output.WriteLine($"{notebookName}: build {run.Build.TotalSeconds:F1} s, run {run.Run.TotalSeconds:F1} s; per code cell: " +
                         string.Join(", ", run.Outputs.Durations().Select(d => $"{d.Cell}: {d.Duration.TotalSeconds:F1} s")));
        if (run.Stderr.Length > 0) output.WriteLine($"{notebookName} wrote to stderr (a notebook would show it):\n{DotnetCommand.Tail(run.Stderr)}");

        if (Environment.GetEnvironmentVariable(WriteOutputsVariable) == "1")
        {
            foreach (var cell in notebook.CodeCells) notebook.SetOutputs(cell, run.Outputs.For(cell.CodeOrdinal));
            notebook.Save();
            output.WriteLine($"{notebookName}: outputs written back");
        }

        // Same cells printing, same images shown, in the same order.
        foreach (var cell in notebook.CodeCells)
        {
            var committed = Kinds(cell.Json["outputs"] as JsonArray ?? []);
            var fresh = Kinds(run.Outputs.For(cell.CodeOrdinal));
            Assert.True(committed == fresh,
                $"{notebookName}, code cell {cell.CodeOrdinal}: the committed outputs are [{committed}] but a run gives [{fresh}]; " +
                $"refresh them with {WriteOutputsVariable}=1 dotnet test tests/Interp.Notebooks.Tests");
            // And the same numbers, within a tolerance (timings and rates exempt; see NumericOutputs).
            var difference = NumericOutputs.FirstDifference(cell.Json["outputs"] as JsonArray ?? [], run.Outputs.For(cell.CodeOrdinal));
            Assert.True(difference is null,
                $"{notebookName}, code cell {cell.CodeOrdinal}: {difference}; if the change is intended, refresh the outputs with " +
                $"{WriteOutputsVariable}=1 dotnet test tests/Interp.Notebooks.Tests");
        }
    }

    private static string Kinds(JsonArray outputs) => string.Join(", ", outputs.Select(o => o?["output_type"]?.GetValue<string>() switch
    {
        "stream" => "text",
        "display_data" => string.Join("+", (o["data"] as JsonObject ?? []).Select(p => p.Key)),
        var other => other ?? "?",
    }));
}
