using Interp.Core.Records;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

public sealed class FixtureRunTests
{
    private readonly FixtureRun _run = FixtureRun.Shared;

    [Fact]
    public void The_catalog_finds_the_runs_hooks_sae_records_and_results()
    {
        var catalog = new RunCatalog(_run.RunsFolder);

        var run = Assert.Single(catalog.Runs());
        Assert.Equal(FixtureRun.Name, run.Name);
        Assert.Empty(run.Problems);
        Assert.Equal([FixtureRun.SaeHook, FixtureRun.MlpHook], run.Hooks.Select(h => h.Hook).Order(StringComparer.Ordinal));
        Assert.All(run.Hooks, h => Assert.True(h.Complete && h.Tokens > 0));
        var sae = Assert.Single(run.Saes);
        Assert.Equal(("topk", FixtureRun.SaeHook, 128, 256), (sae.Architecture, sae.Hook, sae.DIn, sae.DSae));
        Assert.True(sae.Log!.Has("loss") && sae.Log.Has("l0") && sae.Log.Has("explained_variance"));
        Assert.Equal([FixtureRun.MlpHook, FixtureRun.SaeSource], run.Records.Select(r => r.Source!).Order(StringComparer.Ordinal));
        Assert.Equal(2, run.Results.Count);
        Assert.Contains(TestPaths.DefaultModel, run.Model, StringComparison.Ordinal);
    }

    [Fact]
    public void One_run_folder_given_as_the_runs_folder_is_that_run()
    {
        var catalog = new RunCatalog(_run.RunFolder);

        Assert.Equal(FixtureRun.Name, Assert.Single(catalog.Runs()).Name);
    }

    [Fact]
    public void Unit_rows_join_records_with_explanations()
    {
        using var units = new RecordsUnitPageSource(new RunCatalog(_run.RunsFolder));
        var source = units.FindSource(FixtureRun.Name, FixtureRun.MlpHook)!;

        var rows = units.Rows(source);

        Assert.Equal(512, rows.Count);
        Assert.Equal(FixtureRun.Explained, rows.Count(r => r.Explanation is not null));
        Assert.Equal(rows.Select(r => r.Index).Order(), rows.Select(r => r.Index));
    }

    [Fact]
    public void A_unit_page_has_the_record_the_result_and_its_neighbours()
    {
        using var units = new RecordsUnitPageSource(new RunCatalog(_run.RunsFolder));
        var explained = units.Rows(units.FindSource(FixtureRun.Name, FixtureRun.SaeSource)!).First(r => r.Explanation is not null);

        var page = units.Find(FixtureRun.Name, new UnitId(FixtureRun.SaeSource, explained.Index))!;

        Assert.Equal(explained.Index, page.Record.Id.Index);
        Assert.Equal(explained.Explanation, page.Result!.Explanation);
        Assert.NotEmpty(page.Result.Records!);
        Assert.Equal(explained.Index > 0 ? explained.Index - 1 : null, page.Previous);
    }

    [Theory]
    [InlineData("nope", FixtureRun.MlpHook, 0)]
    [InlineData(FixtureRun.Name, "blocks.3.mlp.hook_post", 0)]
    [InlineData(FixtureRun.Name, FixtureRun.MlpHook, 512)]
    public void Unknown_runs_sources_and_units_have_no_page(string run, string source, int index)
    {
        using var units = new RecordsUnitPageSource(new RunCatalog(_run.RunsFolder));

        Assert.Null(units.Find(run, new UnitId(source, index)));
    }
}
