using System.Net;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Faults;

/// <summary>The <c>?token=</c> login redirects to the same address without the token: never to another site.</summary>
[Collection(WebAppCollection.Name)]
public sealed class TokenRedirectFaultTests(WebAppFixture fixture)
{
    private const string Token = "t0ken";

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("//evil.example/runs")]
    [InlineData("/\\evil.example/")]
    [InlineData("/%5Cevil.example/")]
    [InlineData("///evil.example/")]
    [InlineData("/https://evil.example/")]
    public async Task The_login_redirect_never_points_off_site(string path)
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--urls", "http://127.0.0.1:0", "--runs", fixture.Run.RunsFolder, "--token", Token]);

        var (status, location) = await RawHttp.GetStatusAndLocationAsync(server.Address, $"{path}?token={Token}");

        Assert.Equal(302, status);
        Assert.NotNull(location);
        Assert.StartsWith("/", location, StringComparison.Ordinal);
        Assert.False(location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("/\\", StringComparison.Ordinal), $"Location: {location}");
        Assert.True(Uri.TryCreate(new Uri("http://127.0.0.1/"), location, out var target) && target.Host == "127.0.0.1", $"Location: {location}");
    }

    [Fact]
    public async Task An_absolute_form_request_target_is_redirected_to_a_local_path()
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--urls", "http://127.0.0.1:0", "--runs", fixture.Run.RunsFolder, "--token", Token]);

        var (status, location) = await RawHttp.GetStatusAndLocationAsync(server.Address, $"https://evil.example/?token={Token}");

        Assert.True(status is 302 or 400, $"HTTP {status}");
        if (status == 302) Assert.Equal("/", location);
    }

    [Fact]
    public async Task A_local_path_with_a_query_keeps_both_after_login()
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--urls", "http://127.0.0.1:0", "--runs", fixture.Run.RunsFolder, "--token", Token]);

        var (status, location) = await RawHttp.GetStatusAndLocationAsync(server.Address, $"/runs/fixture/units/x?page=2&token={Token}");

        Assert.Equal((int)HttpStatusCode.Redirect, status);
        Assert.Equal("/runs/fixture/units/x?page=2", location);
    }
}
