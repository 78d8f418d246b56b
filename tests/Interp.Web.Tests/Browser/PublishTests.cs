using System.Diagnostics;
using System.Net;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Browser;

/// <summary>`dotnet publish` output serves the same static assets (from wwwroot) and pages as a plain build.</summary>
[Collection(WebAppCollection.Name)]
public sealed class PublishTests(WebAppFixture fixture)
{
    [Fact]
    public async Task A_published_interp_serves_the_blazor_and_plotly_scripts_and_the_pages()
    {
        var output = TestPaths.NewTempFolder("publish");
        try
        {
            Publish(output);
            using var server = ServerProcess.Start(Path.Combine(output, "interp.dll"), ["serve", "--urls", "http://127.0.0.1:0", "--runs", fixture.Run.RunsFolder]);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            foreach (var path in new[] { "/_framework/blazor.web.js", "/_content/Plotly.Blazor/plotly-interop-7.2.0.js", "/_content/Plotly.Blazor/plotly-3.7.0.min.js", "/_content/Interp.Web/app.css", "/" })
            {
                using var response = await http.GetAsync(new Uri(server.Address, path));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            }
            if (TestPaths.Chromium is not null)
            {
                await using var browser = await BrowserSession.StartAsync();
                var page = await browser.Context.NewPageAsync();
                await page.GotoAsync(server.Address.ToString());
                await page.Locator(".line-chart .js-plotly-plot .main-svg").First.WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached, Timeout = 60_000 });
                await BrowserSession.ScreenshotAsync(page, "runs-page-published");
            }
        }
        finally
        {
            try { Directory.Delete(output, recursive: true); } catch (IOException) { }
        }
    }

    private static void Publish(string output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "publish", TestPaths.CliProject, "-c", TestPaths.Configuration, "--no-build", "--no-restore", "-o", output, "-nologo" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish ran past 5 minutes");
        }
        Assert.True(process.ExitCode == 0, $"dotnet publish failed: {stdout.Result}{stderr.Result}");
        Assert.True(File.Exists(Path.Combine(output, "wwwroot", "_framework", "blazor.web.js")), "publish output lacks wwwroot/_framework/blazor.web.js");
    }
}
