namespace Interp.Notebooks.Tests;

/// <summary>
/// The notebooks run each pipeline stage through the same typed job as the CLI (issue #13), not by calling the engine
/// behind the job: a notebook then shows what a verb does, with the job's defaults and checks.
/// </summary>
public sealed class NotebookJobTests
{
    // What each job runs, and the job a notebook calls instead.
    private static readonly (string Engine, string Job)[] Engines =
    [
        ("Harvester.Run(", "HarvestJob"),
        ("new SaeTrainer(", "TrainSaeJob"),
        ("SaeEvaluator.Evaluate(", "EvalSaeJob"),
        ("SaeEvaluator.EvaluateInModel(", "EvalSaeJob"),
        ("new RecordBuilder(", "RecordsJob"),
        ("new Gpt2Trainer(", "TrainModelJob"),
        ("new AutoInterpRunner(", "AutoInterpJob"),
    ];

    public static TheoryData<string> Notebooks() => NotebookTests.Notebooks();

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Runs_every_pipeline_stage_through_its_typed_job_not_the_engine_behind_it(string notebookName)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepoFolders.Notebooks, notebookName));
        var bypasses = notebook.CodeCells
            .SelectMany(cell => Engines.Where(e => cell.Source.Contains(e.Engine, StringComparison.Ordinal))
                .Select(e => $"code cell {cell.CodeOrdinal} calls {e.Engine.TrimEnd('(')} instead of {e.Job}"))
            .ToArray();

        Assert.True(bypasses.Length == 0, $"{notebookName}: {string.Join("; ", bypasses)}");
    }
}
