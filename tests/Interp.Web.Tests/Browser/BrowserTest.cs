using System.Runtime.CompilerServices;
using Interp.Web.Tests.Support;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

/// <summary>Base of the real-browser tests: a fresh page on the shared server, with uncaught page errors and dialogs recorded.</summary>
[Collection(WebAppCollection.Name)]
public abstract class BrowserTest(WebAppFixture fixture)
{
    /// <summary>The shared server and browser.</summary>
    protected WebAppFixture Fixture { get; } = fixture;

    /// <summary>An absolute address on the server.</summary>
    protected string Url(string relative) => new Uri(Fixture.Server.Address, relative).ToString();

    /// <summary>
    /// Runs <paramref name="body"/> on a new page and fails on an uncaught script error or a dialog (alert); a failing
    /// test leaves a screenshot (artifacts/FAILED-test.png) and the server's output in the failure.
    /// </summary>
    protected async Task WithPageAsync(Func<IPage, Task> body, [CallerMemberName] string test = "")
    {
        var page = await Fixture.Browser.Context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Dialog += (_, d) =>
        {
            errors.Add($"dialog: {d.Message}");
            _ = d.DismissAsync();
        };
        try
        {
            await body(page);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            try { await BrowserSession.ScreenshotAsync(page, "FAILED-" + test); } catch (PlaywrightException) { }
            throw new InvalidOperationException($"{e.Message}\nat {page.Url}\nserver output:\n{Fixture.Server.Output}", e);
        }
        finally
        {
            await page.CloseAsync();
        }
        Assert.Empty(errors);
    }

    /// <summary>Waits until Blazor has made the page interactive (the circuit is up).</summary>
    protected static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("#circuit[data-interactive='yes']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>Waits for a Plotly chart's SVG inside <paramref name="scope"/>.</summary>
    protected static Task WaitForChartAsync(IPage page, string scope = "") =>
        page.Locator($"{scope} .js-plotly-plot .main-svg".Trim()).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
}
