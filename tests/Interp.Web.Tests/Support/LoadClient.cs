using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Support;

/// <summary>
/// One simulated user of the load test: its own browser context (cookies, cache, circuit) with one page, the steps a
/// user takes on the unit and live pages, and everything that goes wrong in its page, recorded in a shared queue.
/// A step that fails (a timeout, a missing element) is recorded too and returns false.
/// </summary>
public sealed class LoadClient : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly Uri _server;
    private readonly ConcurrentQueue<string> _errors;

    private LoadClient(string name, IBrowserContext context, IPage page, Uri server, ConcurrentQueue<string> errors) =>
        (Name, _context, Page, _server, _errors) = (name, context, page, server, errors);

    /// <summary>The client's name in reports.</summary>
    public string Name { get; }

    /// <summary>Its page.</summary>
    public IPage Page { get; }

    /// <summary>Pages read or live runs completed (counted by the test's loop).</summary>
    public int Iterations { get; set; }

    /// <summary>A new context and page in <paramref name="browser"/>, watched for script errors, console errors, failed requests, error responses and dialogs.</summary>
    public static async Task<LoadClient> StartAsync(IBrowser browser, string name, Uri server, ConcurrentQueue<string> errors)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => errors.Enqueue($"{name}: page error: {e}");
        page.Console += (_, m) =>
        {
            if (m.Type == "error") errors.Enqueue($"{name}: console error: {m.Text}");
        };
        page.RequestFailed += (_, r) => errors.Enqueue($"{name}: request failed: {r.Method} {r.Url}: {r.Failure}");
        page.Response += (_, r) =>
        {
            if (r.Status >= 400) errors.Enqueue($"{name}: HTTP {r.Status}: {r.Url}");
        };
        page.Dialog += (_, d) =>
        {
            errors.Enqueue($"{name}: dialog: {d.Message}");
            _ = d.DismissAsync();
        };
        return new LoadClient(name, context, page, server, errors);
    }

    /// <summary>
    /// Opens a unit page, afresh (a new circuit, as a new tab or a reload does) or inside the page's circuit (as a link
    /// does), and waits until it shows that unit, interactive, with its windows and its histograms drawn.
    /// </summary>
    public Task<bool> OpenUnitAsync(string url, int index, bool fresh) => StepAsync($"unit page {url}", async () =>
    {
        if (fresh) await Page.GotoAsync(new Uri(_server, url).ToString());
        else await Page.EvaluateAsync("url => Blazor.navigateTo(url)", url);
        await Assertions.Expect(Page.Locator("h1")).ToContainTextAsync($" {index} of", new() { Timeout = 120_000 });
        await Page.Locator("#circuit[data-interactive='yes']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Page.Locator("#top-activations").WaitForAsync();
        await Page.Locator(".histogram .js-plotly-plot .main-svg").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
    });

    /// <summary>Opens the live page and waits until the model is ready.</summary>
    public Task<bool> OpenLiveAsync() => StepAsync("live page", async () =>
    {
        await Page.GotoAsync(new Uri(_server, "live").ToString());
        await Page.Locator("#live-status[data-state='ready']").WaitForAsync();
    });

    /// <summary>Types <paramref name="text"/> on the live page, runs it, and waits for its tokens, coloured, and the heatmap.</summary>
    public Task<bool> RunLiveAsync(string text) => StepAsync("live run", async () =>
    {
        await Page.Locator("#live-text").FillAsync(text);
        await Page.Locator("#live-run").ClickAsync();
        await Assertions.Expect(Page.Locator("#live-tokens")).ToHaveTextAsync(text, new() { Timeout = 120_000 });
        await Assertions.Expect(Page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "done");
        var coloured = await Page.Locator("#live-tokens span.tok").EvaluateAllAsync<int>(
            "spans => spans.filter(s => !['transparent', 'rgba(0, 0, 0, 0)'].includes(getComputedStyle(s).backgroundColor)).length");
        if (coloured == 0) throw new InvalidOperationException($"no token of \"{text}\" is coloured");
        await Page.Locator(".heatmap .js-plotly-plot .main-svg").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
    });

    /// <summary>Closes the context.</summary>
    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    /// <summary>Runs a step, then checks that neither Blazor's error bar nor its reconnect dialog shows.</summary>
    private async Task<bool> StepAsync(string what, Func<Task> step)
    {
        try
        {
            await step();
            if (await Page.Locator("#blazor-error-ui").IsVisibleAsync()) throw new InvalidOperationException("the error bar shows");
            if (await Page.Locator("#components-reconnect-modal").IsVisibleAsync()) throw new InvalidOperationException("the reconnect dialog shows");
            return true;
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or InvalidOperationException)
        {
            _errors.Enqueue($"{Name}: {what}: {string.Join(" | ", e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(6))}");
            return false;
        }
    }
}
