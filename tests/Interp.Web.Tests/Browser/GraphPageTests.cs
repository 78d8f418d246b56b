using System.Text.RegularExpressions;
using Interp.Web.Tests.Support;
using Interp.Web.Units;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Interp.Web.Tests.Browser;

/// <summary>The attribution graph page on a run with a transcoder per layer (<see cref="TranscoderRun"/>), served by its own <c>interp serve</c>.</summary>
public sealed class GraphPageTests(WebAppFixture fixture, GraphPageTests.Server server, ITestOutputHelper output) : BrowserTest(fixture), IClassFixture<GraphPageTests.Server>
{
    /// <summary><c>interp serve</c> on the transcoder run.</summary>
    public sealed class Server : IDisposable
    {
        private readonly Lazy<ServerProcess> _process = new(() =>
            ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", TranscoderRun.Shared.RunsFolder, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]));

        /// <summary>The server (the run is built and the server started on first use).</summary>
        public ServerProcess Process => _process.Value;

        /// <inheritdoc />
        public void Dispose()
        {
            if (_process.IsValueCreated) _process.Value.Dispose();
        }
    }

    private string At(string relative) => new Uri(server.Process.Address, relative).ToString();

    private static async Task BuildAsync(IPage page, string prompt, string state)
    {
        await WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#graph-build")).ToBeEnabledAsync();
        await page.Locator("#graph-prompt").FillAsync(prompt);
        await page.Locator("#graph-build").ClickAsync();
        await page.Locator($"#graph-status[data-state='{state}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
    }

    [BrowserFact]
    public Task The_graph_page_draws_a_prompts_nodes_and_edges_with_its_tokens_as_text_and_a_feature_click_opens_its_unit_page() => WithPageAsync(async page =>
    {
        const string prompt = "To be <b>bold</b>, or not to be";
        await page.GotoAsync(At("graph"));

        await BuildAsync(page, prompt, "done");

        var features = page.Locator("#graph svg circle.graph-node.feature");
        var edges = page.Locator("#graph svg line.graph-edge");
        Assert.True(await features.CountAsync() > 0, "no feature nodes drawn");
        Assert.True(await page.Locator("#graph svg rect.graph-node.embedding").CountAsync() > 0, "no embedding nodes drawn");
        Assert.True(await page.Locator("#graph svg rect.graph-node.logit").CountAsync() > 0, "no logit nodes drawn");
        Assert.True(await edges.CountAsync() > 10, "too few edges drawn");
        // The column labels are the tokens, BOS first, and the markup in the prompt is text, never elements.
        var labels = await page.Locator("#graph svg text.graph-token").AllTextContentsAsync();
        Assert.Equal("<|endoftext|>" + prompt, string.Concat(labels));
        Assert.Equal(0, await page.Locator("#graph b").CountAsync());
        output.WriteLine($"drawn in {await page.Locator("#graph").GetAttributeAsync("data-render-ms")} ms: {await features.CountAsync()} features, {await edges.CountAsync()} edges");

        // Hovering a feature shows what it is; the explained ones carry their explanation.
        var explained = page.Locator("#graph svg circle.graph-node.feature[data-url]");
        Assert.True(await explained.CountAsync() > 0, "no feature links to a unit page");
        var feature = explained.First;
        await feature.HoverAsync(new LocatorHoverOptions { Force = true });
        await Assertions.Expect(page.Locator("#graph .graph-tooltip")).ToContainTextAsync("feature");
        await BrowserSession.ScreenshotAsync(page, "graph-page");

        var url = await feature.GetAttributeAsync("data-url");
        await feature.ClickAsync(new LocatorClickOptions { Force = true });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/units/transcoder"));
        Assert.EndsWith(url!.Replace("%3A", ":", StringComparison.Ordinal), Uri.UnescapeDataString(page.Url), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("transcoder:");
        Assert.True(await page.Locator("#top-activations span.tok").CountAsync() > 0);
    });

    [BrowserFact]
    public Task Sliders_and_pins_filter_the_drawn_graph_without_a_round_trip() => WithPageAsync(async page =>
    {
        await page.GotoAsync(At(UnitUrls.Graph(TranscoderRun.Name, "The king is dead")));
        await page.Locator("#graph-status[data-state='done']").WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        var stats = page.Locator("#graph .graph-stats");
        var allEdges = int.Parse(await stats.GetAttributeAsync("data-edges") ?? "0");
        Assert.True(allEdges > 10);

        await page.Locator("#graph-edge-threshold").FillAsync("0.3");
        var fewer = int.Parse(await stats.GetAttributeAsync("data-edges") ?? "0");
        Assert.InRange(fewer, 1, allEdges - 1);
        Assert.Equal(fewer, await page.Locator("#graph svg line.graph-edge:visible").CountAsync());

        await page.Locator("#graph-edge-threshold").FillAsync("1");
        await page.Locator("#graph svg rect.graph-node.logit").First.ClickAsync(new LocatorClickOptions { Force = true, Modifiers = [KeyboardModifier.Shift] });
        var lit = await page.Locator("#graph svg line.graph-edge.lit").CountAsync();
        Assert.InRange(lit, 1, allEdges - 1);
        await Assertions.Expect(page.Locator("#graph-pins")).ToContainTextAsync("1 pinned");
        await page.Locator("#graph-clear-pins").ClickAsync();
        Assert.Equal(0, await page.Locator("#graph svg line.graph-edge.lit").CountAsync());
    });

    [BrowserFact]
    public Task An_empty_or_too_long_prompt_shows_one_message_and_draws_nothing() => WithPageAsync(async page =>
    {
        await page.GotoAsync(At("graph"));

        await BuildAsync(page, "", "error");
        await Assertions.Expect(page.Locator("#graph-status")).ToHaveTextAsync("type a prompt first");

        await BuildAsync(page, string.Join(' ', Enumerable.Repeat("word", 100)), "error");
        await Assertions.Expect(page.Locator("#graph-status")).ToHaveTextAsync(new Regex("^the prompt is 100 tokens; the graph page takes at most 32$"));
        Assert.Equal(0, await page.Locator("#graph svg").CountAsync());
        Assert.Equal(1, await page.Locator(".error, [data-state='error']").CountAsync());
    });
}
