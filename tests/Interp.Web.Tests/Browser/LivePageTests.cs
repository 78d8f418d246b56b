using Interp.Web.Tests.Support;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

public sealed class LivePageTests(WebAppFixture fixture) : BrowserTest(fixture)
{
    private static async Task RunLiveAsync(IPage page, string text)
    {
        await page.GotoAsync(new Uri(page.Url).GetLeftPart(UriPartial.Authority) + "/live");
        await page.Locator("#live-status[data-state='ready']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await page.Locator("#live-text").FillAsync(text);
        await page.Locator("#live-run").ClickAsync();
        await page.Locator("#live-status[data-state='done']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    [BrowserFact]
    public Task Live_page_colours_the_typed_text_by_a_unit_and_draws_the_token_by_unit_heatmap() => WithPageAsync(async page =>
    {
        await page.GotoAsync(Url(""));
        const string text = "To be, or not to be, that is the question.";

        await RunLiveAsync(page, text);

        var tokens = page.Locator("#live-tokens span.tok");
        Assert.Equal(text, string.Concat(await tokens.AllTextContentsAsync()));
        var colours = await tokens.EvaluateAllAsync<string[]>("spans => spans.map(s => getComputedStyle(s).backgroundColor)");
        Assert.Contains(colours, c => c != "rgba(0, 0, 0, 0)" && c != "transparent");
        Assert.Contains("\"", await tokens.First.GetAttributeAsync("title") ?? "", StringComparison.Ordinal);
        await WaitForChartAsync(page, ".heatmap");
        Assert.True(await page.Locator(".heatmap .js-plotly-plot .hm, .heatmap .js-plotly-plot image").CountAsync() > 0);
        await BrowserSession.ScreenshotAsync(page, "live-page");
    });

    [BrowserFact]
    public Task Markup_typed_into_the_live_page_is_shown_as_text_and_never_runs() => WithPageAsync(async page =>
    {
        await page.GotoAsync(Url(""));

        await RunLiveAsync(page, FixtureRun.Injection);

        Assert.Equal(FixtureRun.Injection, string.Concat(await page.Locator("#live-tokens span.tok").AllTextContentsAsync()));
        Assert.Equal(0, await page.Locator("main img").CountAsync());
        Assert.Equal(0, await page.Locator("main script").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await WaitForChartAsync(page, ".heatmap");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await BrowserSession.ScreenshotAsync(page, "live-page-markup");
    });
}
