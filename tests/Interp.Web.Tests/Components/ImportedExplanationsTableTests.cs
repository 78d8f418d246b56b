using System.Text.Json;
using Bunit;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Import;
using Interp.Web.Components.Shared;
using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Components;

/// <summary>The unit page's table of explanations scored by <c>interp score</c>, with each one's simulation on demand.</summary>
public sealed class ImportedExplanationsTableTests : BunitContext
{
    private static string Line(string source, string explanation, double correlation, string[] tokens, float[] simulated) =>
        JsonSerializer.Serialize(new UnitResult
        {
            Unit = "h/1", Source = source, Status = "ok", Explanation = explanation,
            Scores = new ResultScores(correlation, null, null, null, null, null),
            Records = [new ScoredRecordResult("top", 0, 0, tokens, [0f, 4f, 0f], simulated, false, null)],
        }, ResultJson.Options);

    [Fact]
    public void The_simulated_toggle_shows_an_explanations_stored_simulation_beside_the_real_activations_as_text()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("results-simulated"), "results.jsonl");
        File.WriteAllLines(path,
        [
            Line("openai", "commas", 0.9, ["a", ",", "b"], [0f, 10f, 0f]),
            Line("mine", "markup", 0.2, ["x", "<img src=x onerror=alert(1)>", "y"], [0f, 7f, 0f]),
        ]);
        var index = ResultsIndex.Build(path);
        var ranking = Ranking.Of(index.Imported("h/1")).Single().Explanations;
        var cut = Render<ImportedExplanations>(p => p
            .Add(c => c.Imported, ranking)
            .Add(c => c.Scale, 4f)
            .Add(c => c.Simulated, e => index.ReadImported("h/1", e.Source, e.Explanation)?.Records));
        Assert.Empty(cut.FindAll("tr.imported-simulated"));

        cut.FindAll("button.sim-toggle")[1].Click();

        var shown = cut.Find("tr.imported-simulated");
        var windows = shown.QuerySelectorAll("div.window");
        Assert.Equal(2, windows.Length);
        Assert.Contains("<img src=x onerror=alert(1)>", windows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("sim", windows[1].TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("img"));
        Assert.Equal("true", cut.FindAll("button.sim-toggle")[1].GetAttribute("aria-pressed"));

        cut.FindAll("button.sim-toggle")[1].Click();

        Assert.Empty(cut.FindAll("tr.imported-simulated"));
    }

    [Fact]
    public void An_explanation_without_stored_records_says_so_when_toggled()
    {
        var cut = Render<ImportedExplanations>(p => p
            .Add(c => c.Imported, [new Ranking.Entry(1, "colleague", "lists", 0.5, null, null)])
            .Add(c => c.Simulated, _ => null));

        cut.Find("button.sim-toggle").Click();

        Assert.Contains("No scored records", cut.Find("tr.imported-simulated").TextContent, StringComparison.Ordinal);
    }
}
