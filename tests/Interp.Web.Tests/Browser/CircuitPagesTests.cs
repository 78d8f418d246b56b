using System.Text.Json;
using Interp.Model;
using Interp.Web.Tests.Support;
using Microsoft.Playwright;

namespace Interp.Web.Tests.Browser;

/// <summary>The four circuit pages (attention, logit lens, DLA, patching) in a real browser, on the embedded model.</summary>
public sealed class CircuitPagesTests(WebAppFixture fixture) : BrowserTest(fixture)
{
    private const string Bos = "<|endoftext|>";
    private const string Markup = "<b>x</b> < y " + FixtureRun.Injection;
    private static readonly Gpt2Config Config = Gpt2Config.Load(Path.Combine(TestPaths.DefaultModel, "config.json"));

    // Opens PATH, waits for the model, lets FILL type the inputs, presses run and waits for the status to reach STATE.
    private async Task RunPageAsync(IPage page, string path, string prefix, Func<Task> fill, string state = "done")
    {
        await page.GotoAsync(Url(path));
        await page.Locator($"#{prefix}-status[data-state='ready']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await fill();
        await RunAgainAsync(page, prefix, state);
    }

    // When the status is already in STATE (an error after an error), the new run's line is told apart by its text.
    private static async Task RunAgainAsync(IPage page, string prefix, string state)
    {
        var status = page.Locator($"#{prefix}-status");
        var before = (await status.GetAttributeAsync("data-state"), await status.TextContentAsync());
        await page.Locator($"#{prefix}-run").ClickAsync();
        if (before.Item1 != state)
        {
            await page.Locator($"#{prefix}-status[data-state='{state}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            return;
        }
        await page.WaitForFunctionAsync(
            "([id, state, text]) => { const s = document.getElementById(id); return s && s.dataset.state === state && s.textContent !== text; }",
            new object?[] { $"{prefix}-status", state, before.Item2 }, new PageWaitForFunctionOptions { Timeout = 60_000 });
    }

    // Presses run and waits for the run to end (done or error, with a status line other than before); returns the state.
    private static async Task<string> RunToEndAsync(IPage page, string prefix)
    {
        var status = page.Locator($"#{prefix}-status");
        var before = await status.TextContentAsync();
        await page.Locator($"#{prefix}-run").ClickAsync();
        await page.WaitForFunctionAsync(
            "([id, text]) => { const s = document.getElementById(id); return s && (s.dataset.state === 'done' || s.dataset.state === 'error') && s.textContent !== text; }",
            new object?[] { $"{prefix}-status", before }, new PageWaitForFunctionOptions { Timeout = 60_000 });
        return (await status.GetAttributeAsync("data-state"))!;
    }

    // Types into an input bound on change (the change fires when the box loses focus).
    private static async Task TypeAsync(IPage page, string selector, string text)
    {
        await page.Locator(selector).FillAsync(text);
        await page.Locator(selector).BlurAsync();
    }

    // The first trace of the Plotly chart inside SCOPE, as JSON: the data Plotly drew.
    private static async Task<JsonElement> TraceAsync(IPage page, string scope)
    {
        await WaitForChartAsync(page, scope);
        var json = await page.EvaluateAsync<string>($"() => JSON.stringify(document.querySelector('{scope} .js-plotly-plot').data)");
        var traces = JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, traces.GetArrayLength());
        return traces[0];
    }

    private static (int Rows, int Columns) Shape(JsonElement trace) =>
        (trace.GetProperty("z").GetArrayLength(), trace.GetProperty("z")[0].GetArrayLength());

    private static async Task<string> TokensAsync(IPage page, string scope) =>
        string.Concat(await page.Locator($"{scope} span.tok").AllTextContentsAsync());

    [BrowserFact]
    public Task The_attention_page_draws_the_chosen_heads_pattern_and_a_grid_of_all_heads_that_picks_a_head_on_click() => WithPageAsync(async page =>
    {
        const string text = "The cat sat on the mat. The cat sat on the mat.";
        await RunPageAsync(page, "attention", "attention", () => page.Locator("#attention-text").FillAsync(text));

        Assert.Equal(Bos + text, await TokensAsync(page, "#attention-tokens"));
        var t = await page.Locator("#attention-tokens span.tok").CountAsync();
        var grid = await TraceAsync(page, "#attention-grid");
        Assert.Equal((Config.NLayer * (t + 1) - 1, Config.NHead * (t + 1) - 1), Shape(grid));
        var head = await TraceAsync(page, "#attention-head");
        Assert.Equal((t, t), Shape(head));
        Assert.Equal(JsonValueKind.Null, head.GetProperty("z")[0][1].ValueKind);           // a later key is masked, left blank
        Assert.StartsWith("query 3 \" sat\" → key 2 \" cat\": ", head.GetProperty("text")[3][2].GetString(), StringComparison.Ordinal);

        // Click the grid's tile of layer 2, head 3 (its last query row, first key): the big heatmap shows that head.
        await page.Locator("#attention-grid").ScrollIntoViewIfNeededAsync();
        var (layer, headIndex) = (Math.Min(2, Config.NLayer - 1), Math.Min(3, Config.NHead - 1));
        var point = await page.EvaluateAsync<double[]>(
            "([x, y]) => { const gd = document.querySelector('#attention-grid .js-plotly-plot'); const f = gd._fullLayout; const r = gd.getBoundingClientRect();" +
            " return [r.left + f._size.l + f.xaxis.l2p(x), r.top + f._size.t + f.yaxis.l2p(y)]; }",
            new[] { headIndex * (t + 1), layer * (t + 1) + t - 1 });
        await page.Mouse.ClickAsync((float)point[0], (float)point[1]);

        var wait = new LocatorAssertionsToHaveValueOptions { Timeout = 30_000 };
        await Assertions.Expect(page.Locator("#attention-layer")).ToHaveValueAsync(layer.ToString(System.Globalization.CultureInfo.InvariantCulture), wait);
        await Assertions.Expect(page.Locator("#attention-head-picker")).ToHaveValueAsync(headIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), wait);
        await BrowserSession.ScreenshotAsync(page, "attention-page");
    });

    [BrowserFact]
    public Task The_logit_lens_page_draws_a_layer_by_position_heatmap_with_the_top_token_written_in_each_cell() => WithPageAsync(async page =>
    {
        const string text = "The Eiffel Tower is in the city of";
        await RunPageAsync(page, "logit-lens", "lens", () => page.Locator("#lens-text").FillAsync(text));

        Assert.Equal(Bos + text, await TokensAsync(page, "#lens-tokens"));
        var t = await page.Locator("#lens-tokens span.tok").CountAsync();
        var lens = await TraceAsync(page, "#lens-chart");
        Assert.Equal((Config.NLayer + 1, t), Shape(lens));                                 // each resid_pre, then the final resid_post
        Assert.Equal("%{text}", lens.GetProperty("texttemplate").GetString());
        Assert.Equal(t, lens.GetProperty("text")[Config.NLayer].GetArrayLength());
        var probability = lens.GetProperty("z")[Config.NLayer][t - 1].GetDouble();
        Assert.InRange(probability, 0, 1);
        var hover = lens.GetProperty("hovertext")[Config.NLayer][t - 1].GetString()!;
        Assert.Equal(1 + 5, hover.Split("<br>").Length);                                     // the point, then the top 5
        Assert.Equal((Config.NLayer + 1) * t, await page.Locator("#lens-chart g.heatmap-label text").CountAsync());   // a token in every cell
        await BrowserSession.ScreenshotAsync(page, "logit-lens-page");
    });

    [BrowserFact]
    public Task The_dla_page_draws_one_bar_per_component_and_the_bars_sum_to_the_logit() => WithPageAsync(async page =>
    {
        await RunPageAsync(page, "dla", "dla", () => page.Locator("#dla-text").FillAsync("When Mary and John went to the store, John gave a drink to"));

        var summary = page.Locator("#dla-summary");
        Assert.Contains("the model's top prediction", await summary.TextContentAsync(), StringComparison.Ordinal);
        var logit = double.Parse((await summary.GetAttributeAsync("data-logit"))!, System.Globalization.CultureInfo.InvariantCulture);
        var components = int.Parse((await summary.GetAttributeAsync("data-components"))!, System.Globalization.CultureInfo.InvariantCulture);
        var bars = await TraceAsync(page, "#dla-chart");
        Assert.Equal("bar", bars.GetProperty("type").GetString());
        var values = bars.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(components, values.Length);
        Assert.Equal(logit, values.Sum(), 3);
        var colours = bars.GetProperty("marker").GetProperty("color").EnumerateArray().Select(c => c.GetString()).ToArray();
        Assert.Equal(values.Select(v => v >= 0 ? "#b2182b" : "#2166ac"), colours);
        await BrowserSession.ScreenshotAsync(page, "dla-page");
    });

    [BrowserFact]
    public Task The_patching_page_draws_a_layer_by_position_heatmap_centred_on_zero_and_for_z_a_layer_by_head_view() => WithPageAsync(async page =>
    {
        await RunPageAsync(page, "patching", "patch", () => page.Locator("#patch-hook").SelectOptionAsync("Z"));

        var t = await page.Locator("#patch-clean-tokens span.tok").CountAsync();
        var values = await TraceAsync(page, "#patch-chart");
        Assert.Equal((Config.NLayer, t), Shape(values));
        Assert.Equal(0, values.GetProperty("zmid").GetDouble());
        var heads = await TraceAsync(page, "#patch-heads");
        Assert.Equal((Config.NLayer, Config.NHead), Shape(heads));
        Assert.Equal(0, heads.GetProperty("zmid").GetDouble());
        await BrowserSession.ScreenshotAsync(page, "patching-page");
    });

    [BrowserFact]
    public Task Markup_in_prompts_is_shown_as_text_on_every_circuit_page_and_never_runs() => WithPageAsync(async page =>
    {
        await RunPageAsync(page, "attention", "attention", () => page.Locator("#attention-text").FillAsync(Markup));
        Assert.Equal(Bos + Markup, await TokensAsync(page, "#attention-tokens"));
        await AssertNoMarkupAsync(page, "#attention-head");

        await RunPageAsync(page, "logit-lens", "lens", () => page.Locator("#lens-text").FillAsync(Markup));
        Assert.Equal(Bos + Markup, await TokensAsync(page, "#lens-tokens"));
        await AssertNoMarkupAsync(page, "#lens-chart");

        await RunPageAsync(page, "dla", "dla", async () =>
        {
            await page.Locator("#dla-text").FillAsync(Markup);
            await TypeAsync(page, "#dla-token", "<");                                           // the target token, in the chart's title
        });
        Assert.Equal(Bos + Markup, await TokensAsync(page, "#dla-tokens"));
        await AssertNoMarkupAsync(page, "#dla-chart");

        await RunPageAsync(page, "patching", "patch", async () =>
        {
            await page.Locator("#patch-clean").FillAsync(Markup);
            await page.Locator("#patch-corrupt").FillAsync(Markup.Replace(" y ", " z ", StringComparison.Ordinal));   // as many tokens
        });
        Assert.Equal(Bos + Markup, await TokensAsync(page, "#patch-clean-tokens"));
        await AssertNoMarkupAsync(page, "#patch-chart");
    });

    // The chart writes "<" as text (on an axis or in the title), nothing turned bold, and no element or script came of the markup.
    private static async Task AssertNoMarkupAsync(IPage page, string chart)
    {
        await WaitForChartAsync(page, chart);
        var labels = string.Concat(await page.Locator($"{chart} .xtick text, {chart} .gtitle").AllTextContentsAsync());
        Assert.Contains("<", labels, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"{chart} tspan[style*='bold']").CountAsync());
        Assert.Equal(0, await page.Locator("main img, main script, main b").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
    }

    [BrowserFact]
    public Task Bad_input_on_a_circuit_page_is_one_line_on_the_page_and_the_page_keeps_working() => WithPageAsync(async page =>
    {
        // Empty prompt (attention), then a good run on the same page: the circuit lived through it.
        await RunPageAsync(page, "attention", "attention", () => page.Locator("#attention-text").FillAsync(""), state: "error");
        await AssertOneLineAsync(page, "#attention-status", "the prompt is empty");
        await page.Locator("#attention-text").FillAsync("The cat sat.");
        await RunAgainAsync(page, "attention", "done");

        // Too long: more tokens than the model reads.
        var tooLong = string.Concat(Enumerable.Repeat(" a", Config.NPositions + 10));
        await RunPageAsync(page, "logit-lens", "lens", () => page.Locator("#lens-text").FillAsync(tooLong), state: "error");
        await AssertOneLineAsync(page, "#lens-status", $"the prompt is {Config.NPositions + 11} tokens");

        // A target that is not one token. On a busy machine a render can land between typing and the change event and
        // put the bound (empty) value back, so the page then runs with its default target: type it again (at most 3 times).
        await page.GotoAsync(Url("dla"));
        await page.Locator("#dla-status[data-state='ready']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await TypeAsync(page, "#dla-token", " notonetokenatall");
            if (await RunToEndAsync(page, "dla") == "error") break;
        }
        await AssertOneLineAsync(page, "#dla-status", "the target token \" notonetokenatall\" is not one token");

        // Clean and corrupt of different lengths; then an unknown answer token.
        await RunPageAsync(page, "patching", "patch", () => page.Locator("#patch-corrupt").FillAsync("Mary gave a drink to"), state: "error");
        await AssertOneLineAsync(page, "#patch-status", "the clean prompt is");
        await page.Locator("#patch-corrupt").FillAsync("When Mary and John went to the store, Mary gave a drink to");
        for (var attempt = 0; attempt < 3; attempt++)                                       // as for the DLA target above
        {
            await TypeAsync(page, "#patch-answer", " Maryxyzzy");
            if (await RunToEndAsync(page, "patch") == "error" && (await page.Locator("#patch-status").TextContentAsync())!.StartsWith("the answer", StringComparison.Ordinal)) break;
        }
        await AssertOneLineAsync(page, "#patch-status", "the answer token \" Maryxyzzy\" is not one token");
    });

    private static async Task AssertOneLineAsync(IPage page, string status, string start)
    {
        var line = (await page.Locator(status).TextContentAsync())!;
        Assert.StartsWith(start, line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.False(await page.Locator("#blazor-error-ui").IsVisibleAsync());
    }
}
