using System.Text.RegularExpressions;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

public sealed partial class UnitPagesTests(WebAppFixture fixture) : BrowserTest(fixture)
{
    private UnitRow Explained(string source)
    {
        using var units = new RecordsUnitPageSource(new RunCatalog(Fixture.Run.RunsFolder));
        return units.Rows(units.FindSource(FixtureRun.Name, source)!).First(r => r.Explanation is not null);
    }

    [BrowserFact]
    public Task A_unit_page_shows_the_explanation_coloured_windows_histograms_and_logit_effects() => WithPageAsync(async page =>
    {
        var unit = Explained(FixtureRun.MlpHook);

        var response = await page.GotoAsync(Url(UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, unit.Index)));

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.Locator("#unit-explanation")).ToHaveTextAsync(unit.Explanation!);
        Assert.True(await page.Locator("#top-activations span.tok").CountAsync() > 10);
        Assert.True(await page.Locator("table.logits-positive tbody tr").CountAsync() > 0);
        await WaitForChartAsync(page, ".histogram");
        Assert.True(await page.Locator(".histogram .js-plotly-plot .main-svg").CountAsync() >= 1);
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await BrowserSession.ScreenshotAsync(page, "unit-page");
    });

    [BrowserFact]
    public Task Windows_with_markup_in_the_corpus_show_it_as_text() => WithPageAsync(async page =>
    {
        int index;
        using (var units = new RecordsUnitPageSource(new RunCatalog(Fixture.Run.RunsFolder)))
        {
            index = units.Rows(units.FindSource(FixtureRun.Name, FixtureRun.MlpHook)!)
                .Select(r => units.Find(FixtureRun.Name, new Interp.Core.Records.UnitId(FixtureRun.MlpHook, r.Index))!)
                .First(p => p.Record.Top.Take(20).Any(w => string.Concat(w.Tokens).Contains("<img", StringComparison.Ordinal))).Record.Id.Index;
        }

        await page.GotoAsync(Url(UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, index)));
        await WaitForChartAsync(page, ".histogram");

        Assert.Contains("<img", await page.Locator("#top-activations").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await BrowserSession.ScreenshotAsync(page, "unit-page-markup");
    });

    [BrowserFact]
    public Task Following_the_next_link_redraws_the_histograms_with_the_next_units_data() => WithPageAsync(async page =>
    {
        // Two neighbouring units whose activation histograms differ, so that a chart left from the first shows.
        Interp.Core.Records.UnitRecord first, next;
        using (var units = new RecordsUnitPageSource(new RunCatalog(Fixture.Run.RunsFolder)))
        {
            var pages = units.Rows(units.FindSource(FixtureRun.Name, FixtureRun.MlpHook)!)
                .Select(r => units.Find(FixtureRun.Name, new Interp.Core.Records.UnitId(FixtureRun.MlpHook, r.Index))!).ToArray();
            (first, next) = pages.Zip(pages.Skip(1)).Select(p => (p.First.Record, p.Second.Record))
                .First(p => p.Item1.ActivationHistogram is { Counts.Length: > 0 } a && p.Item2.ActivationHistogram is { Counts.Length: > 0 } b
                            && !a.Counts.SequenceEqual(b.Counts));
        }
        var expected = System.Text.Json.JsonSerializer.Serialize(next.ActivationHistogram!.Counts);
        await page.GotoAsync(Url(UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, first.Id.Index)));
        await WaitForCircuitAsync(page);
        await WaitForChartAsync(page, ".histogram");

        await page.Locator("#unit-next").ClickAsync();

        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync($"Neuron {next.Id.Index} of");
        // Plotly keeps the data it drew on the chart's element: the first histogram must come to show the next unit's counts.
        const string drawn = "() => { const chart = document.querySelector('.histogram .js-plotly-plot'); return chart && chart.data ? JSON.stringify(chart.data[0].y) : null; }";
        try
        {
            await page.WaitForFunctionAsync($"expected => ({drawn})() === expected", expected, new PageWaitForFunctionOptions { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
        }
        Assert.Equal(expected, await page.EvaluateAsync<string?>(drawn));
    });

    [BrowserFact]
    public Task The_unit_list_searches_and_sorts() => WithPageAsync(async page =>
    {
        var unit = Explained(FixtureRun.MlpHook);
        await page.GotoAsync(Url(UnitUrls.List(FixtureRun.Name, FixtureRun.MlpHook)));
        await WaitForCircuitAsync(page);

        await page.Locator("#unit-sort").SelectOptionAsync("MaxActivation");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("sort=MaxActivation"));
        await page.Locator("#unit-order").SelectOptionAsync("desc");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("desc=true"));
        var maxima = (await page.Locator("#unit-table tbody tr td:nth-child(4)").AllTextContentsAsync()).Select(double.Parse).ToArray();
        Assert.Equal(50, maxima.Length);
        Assert.Equal(maxima.OrderDescending(), maxima);

        await page.Locator("#unit-search").FillAsync($"#{unit.Index}");
        await page.Locator("#unit-search").PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("q="));
        await Assertions.Expect(page.Locator("#unit-table tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(unit.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.Locator("#unit-table tbody tr").GetAttributeAsync("data-unit"));
        await BrowserSession.ScreenshotAsync(page, "unit-list");
    });

    [BrowserFact]
    public Task Clicking_a_cell_of_the_overview_heatmap_opens_that_unit() => WithPageAsync(async page =>
    {
        await page.GotoAsync(Url(UnitUrls.Overview(FixtureRun.Name)));
        await WaitForChartAsync(page, ".heatmap");
        await page.WaitForTimeoutAsync(500);                                                  // the click subscription follows the first draw
        var area = await page.Locator(".heatmap .js-plotly-plot .nsewdrag").First.BoundingBoxAsync();
        Assert.NotNull(area);

        // Two rows (the MLP's 512 neurons, then the SAE's 256 latents), 512 columns: aim at row 0, column 100.
        await page.Mouse.ClickAsync(area.X + area.Width * (100.5f / 512), area.Y + area.Height * 0.25f);

        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/units/"));
        Assert.EndsWith($"/units/{FixtureRun.MlpHook}/100", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Neuron 100");
        await BrowserSession.ScreenshotAsync(page, "overview-click");
    });

    [BrowserFact]
    public Task Steering_returns_text_with_and_without_the_push() => WithPageAsync(async page =>
    {
        await page.GotoAsync(Url(UnitUrls.Steer(FixtureRun.Name, FixtureRun.SaeSource, 7)));
        await page.Locator("#steer-status[data-state='ready']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await page.Locator("#steer-strength").FillAsync("100");
        await page.Locator("#steer-strength").PressAsync("Tab");
        await page.Locator("#steer-tokens").FillAsync("8");
        await page.Locator("#steer-tokens").PressAsync("Tab");

        await page.Locator("#steer-run").ClickAsync();

        await page.Locator("#steer-status[data-state='done']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        Assert.NotEmpty((await page.Locator("#steer-baseline").InnerTextAsync()).Trim());
        Assert.NotEmpty((await page.Locator("#steer-steered").InnerTextAsync()).Trim());
        await BrowserSession.ScreenshotAsync(page, "steering");
    });
}
