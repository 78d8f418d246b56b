using System.Text.RegularExpressions;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

/// <summary>
/// The README's main command end to end in a browser: <c>interp quickstart</c> (on a small slice, so that it takes under a
/// minute) builds its run and serves it; from there the overview heatmap opens a unit, whose page shows its explanation,
/// scores and drawn histograms, and the SAE's unit list opens a latent's page.
/// </summary>
public sealed class QuickstartRunTests(WebAppFixture fixture) : BrowserTest(fixture)
{
    private const string Run = "quickstart";
    private const string MlpSource = "blocks.1.mlp.hook_post";
    private const string SaeSource = "sae:blocks.2.hook_resid_pre";

    [BrowserFact]
    public async Task From_the_served_quickstart_run_a_unit_page_and_its_charts_are_a_click_away()
    {
        var runFolder = Path.Combine(Directory.CreateTempSubdirectory("interp-web-quickstart-").FullName, Run);
        using var server = ServerProcess.Start(TestPaths.CliDll,
            ["quickstart", "--out", runFolder, "--tokens", "12800", "--eval-tokens", "2560", "--sae-tokens", "49152", "--d-sae", "256", "--k", "16",
             "--explainer", "offline", "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1" }, timeoutSeconds: 600);
        string At(string relative) => new Uri(server.Address, relative).ToString();
        var neuron = FirstExplained(runFolder, MlpSource);
        var latent = FirstExplained(runFolder, SaeSource);

        await WithPageAsync(async page =>
        {
            await page.GotoAsync(At(""));
            await Assertions.Expect(page.Locator("main")).ToContainTextAsync(Run);

            // The overview has two rows (the MLP's 512 neurons, then the SAE's 256 latents); aim at an explained neuron.
            await page.GotoAsync(At(UnitUrls.Overview(Run)));
            await WaitForChartAsync(page, ".heatmap");
            await page.WaitForTimeoutAsync(500);                                               // the click subscription follows the first draw
            var area = await page.Locator(".heatmap .js-plotly-plot .nsewdrag").First.BoundingBoxAsync();
            Assert.NotNull(area);
            await page.Mouse.ClickAsync(area.X + area.Width * ((neuron.Index + 0.5f) / 512), area.Y + area.Height * 0.25f);
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/units/"));
            Assert.EndsWith($"/units/{MlpSource}/{neuron.Index}", page.Url, StringComparison.Ordinal);
            await AssertExplainedUnitPageAsync(page, neuron);
            await BrowserSession.ScreenshotAsync(page, "quickstart-neuron");

            await page.GotoAsync(At(UnitUrls.List(Run, SaeSource)));
            await WaitForCircuitAsync(page);
            await page.Locator("#unit-search").FillAsync($"#{latent.Index}");
            await page.Locator("#unit-search").PressAsync("Enter");
            await Assertions.Expect(page.Locator("#unit-table tbody tr")).ToHaveCountAsync(1);
            await page.Locator("#unit-table tbody tr a").First.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/{latent.Index}$"));
            await AssertExplainedUnitPageAsync(page, latent);
            await BrowserSession.ScreenshotAsync(page, "quickstart-latent");
        });
    }

    /// <summary>The first unit of <paramref name="source"/> with an explanation and a score, as the app reads them.</summary>
    private static UnitRow FirstExplained(string runFolder, string source)
    {
        using var units = new RecordsUnitPageSource(new RunCatalog(runFolder));
        return units.Rows(units.FindSource(Run, source)!).First(r => r.Explained && r.Score is not null);
    }

    /// <summary>The page shows the unit's explanation as the results store it, its correlation score, coloured windows and a drawn histogram.</summary>
    private static async Task AssertExplainedUnitPageAsync(IPage page, UnitRow row)
    {
        await Assertions.Expect(page.Locator("#unit-explanation")).ToHaveTextAsync(row.Explanation!);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("correlation");
        Assert.True(await page.Locator("#top-activations span.tok").CountAsync() > 10);
        await WaitForChartAsync(page, ".histogram");
    }
}
