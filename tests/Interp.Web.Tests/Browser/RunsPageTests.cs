using Interp.Web.Tests.Support;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

public sealed class RunsPageTests(WebAppFixture fixture) : BrowserTest(fixture)
{
    [BrowserFact]
    public Task Runs_page_lists_the_run_and_draws_its_training_curves_as_svg() => WithPageAsync(async page =>
    {
        var response = await page.GotoAsync(Url(""));
        Assert.Equal(200, response!.Status);
        await WaitForChartAsync(page);

        var run = page.Locator($"#run-{FixtureRun.Name}");
        Assert.Contains(FixtureRun.MlpHook, await run.Locator("table.hooks").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("topk", await run.Locator("table.saes").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await run.Locator(".line-chart .js-plotly-plot .main-svg").CountAsync() >= 3);     // loss, L0, explained variance
        Assert.True(await run.Locator(".line-chart .js-plotly-plot path.js-line").CountAsync() >= 3);
        await BrowserSession.ScreenshotAsync(page, "runs-page");
    });

    [BrowserFact]
    public Task An_unknown_unit_gives_the_404_page() => WithPageAsync(async page =>
    {
        var response = await page.GotoAsync(Url($"runs/{FixtureRun.Name}/units/{FixtureRun.MlpHook}/99999"));

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Not found");
        await BrowserSession.ScreenshotAsync(page, "unknown-unit-404");
    });
}
