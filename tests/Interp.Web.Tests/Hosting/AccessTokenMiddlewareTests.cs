using Interp.Web.Security;
using Microsoft.AspNetCore.Http;

namespace Interp.Web.Tests.Hosting;

public sealed class AccessTokenMiddlewareTests
{
    private const string Token = "s3cret-token";

    private static async Task<(HttpContext Context, bool Passed)> SendAsync(Action<HttpRequest> setUp)
    {
        var passed = false;
        var middleware = new AccessTokenMiddleware(_ => { passed = true; return Task.CompletedTask; }, Token);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/runs/x";
        context.Response.Body = new MemoryStream();
        setUp(context.Request);
        await middleware.InvokeAsync(context);
        return (context, passed);
    }

    [Fact]
    public async Task A_request_without_the_token_gets_401_and_a_line_saying_how_to_get_in()
    {
        var (context, passed) = await SendAsync(_ => { });

        Assert.False(passed);
        Assert.Equal(401, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        Assert.Contains("access token required", await new StreamReader(context.Response.Body).ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_in_the_query_string_sets_a_cookie_and_redirects_to_the_address_without_it()
    {
        var (context, passed) = await SendAsync(r => r.QueryString = new QueryString($"?token={Token}&page=2"));

        Assert.False(passed);
        Assert.Equal(302, context.Response.StatusCode);
        Assert.Equal("/runs/x?page=2", context.Response.Headers.Location.ToString());
        var cookie = context.Response.Headers.SetCookie.ToString();
        Assert.Contains($"{AccessTokenMiddleware.CookieName}={Token}", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_cookie_or_a_bearer_header_lets_requests_through()
    {
        var (_, byCookie) = await SendAsync(r => r.Headers.Cookie = $"{AccessTokenMiddleware.CookieName}={Token}");
        var (_, byHeader) = await SendAsync(r => r.Headers.Authorization = $"Bearer {Token}");

        Assert.True(byCookie);
        Assert.True(byHeader);
    }

    [Theory]
    [InlineData("?token=wrong")]
    [InlineData("?token=s3cret-token-and-more")]
    public async Task A_wrong_token_is_refused(string query)
    {
        var (context, passed) = await SendAsync(r => r.QueryString = new QueryString(query));

        Assert.False(passed);
        Assert.Equal(401, context.Response.StatusCode);
    }
}
