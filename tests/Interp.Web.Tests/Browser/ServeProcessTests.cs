using System.Net;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Browser;

/// <summary>`interp serve` as a process: binding rules, the access token, static assets from the build and from publish, 404s.</summary>
[Collection(WebAppCollection.Name)]
public sealed class ServeProcessTests(WebAppFixture fixture)
{
    private static readonly HttpClient Http = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public void A_non_loopback_address_without_a_token_is_refused_with_one_line()
    {
        var (code, stdout, stderr) = ServerProcess.RunToEnd(TestPaths.CliDll, ["serve", "--urls", "http://0.0.0.0:0", "--runs", fixture.Run.RunsFolder]);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: refusing to listen on http://0.0.0.0:0 without an access token", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_token_every_request_is_checked_and_the_query_token_becomes_a_cookie()
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--urls", "http://127.0.0.1:0", "--runs", fixture.Run.RunsFolder],
            new Dictionary<string, string> { ["INTERP_TOKEN"] = "t0ken" });
        Assert.Contains("?token=t0ken", server.Output, StringComparison.Ordinal);

        using var bare = await Http.GetAsync(new Uri(server.Address, "/"));
        using var asset = await Http.GetAsync(new Uri(server.Address, "/_framework/blazor.web.js"));
        using var wrong = await Http.GetAsync(new Uri(server.Address, "/?token=nope"));
        using var first = await Http.GetAsync(new Uri(server.Address, "/?token=t0ken"));
        var cookie = first.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Address, "/"));
        withCookie.Headers.Add("Cookie", cookie);
        using var second = await Http.SendAsync(withCookie);

        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/", first.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Theory]
    [InlineData("/_framework/blazor.web.js")]
    [InlineData("/_content/Plotly.Blazor/plotly-interop-7.2.0.js")]
    [InlineData("/_content/Plotly.Blazor/plotly-3.7.0.min.js")]
    [InlineData("/_content/Interp.Web/app.css")]
    public async Task Static_assets_are_served_from_a_plain_build(string path)
    {
        using var response = await Http.GetAsync(new Uri(fixture.Server.Address, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Theory]
    [InlineData("runs/fixture/units/blocks.1.mlp.hook_post/99999")]
    [InlineData("runs/fixture/units/blocks.9.mlp.hook_post/1")]
    [InlineData("runs/nope/units/blocks.1.mlp.hook_post/1")]
    [InlineData("runs/nope/overview")]
    [InlineData("no/such/page")]
    public async Task Unknown_addresses_get_a_404_page_not_an_error(string path)
    {
        using var response = await Http.GetAsync(new Uri(fixture.Server.Address, path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("<h1>Not found</h1>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_known_unit_page_renders_on_the_server()
    {
        using var response = await Http.GetAsync(new Uri(fixture.Server.Address, $"runs/{FixtureRun.Name}/units/{FixtureRun.SaeSource}/0"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Latent 0 of", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
