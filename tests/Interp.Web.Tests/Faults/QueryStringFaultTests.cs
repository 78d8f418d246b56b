using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Faults;

/// <summary>
/// Hostile query strings and paths on every page route: bad values become defaults or a 4xx, never a 500, and the
/// server's log has no stack trace.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class QueryStringFaultTests(WebAppFixture fixture)
{
    private static readonly string[] Routes =
    [
        "/", "/runs",
        "/" + UnitUrls.List(FixtureRun.Name, FixtureRun.MlpHook),
        "/" + UnitUrls.List(FixtureRun.Name, FixtureRun.SaeSource),
        "/" + UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, 0),
        "/" + UnitUrls.Overview(FixtureRun.Name),
        "/live", "/steer", "/attention", "/logit-lens", "/dla", "/patching",
    ];

    private static readonly string[] Keys = ["page", "desc", "sort", "filter", "q", "metric", "run", "source", "unit"];

    private static readonly string[] Values =
    [
        "abc", "99999999999", "-1", "-99999999999", "maybe", "nope", "%00", "%FF%FE", "1e9", "%", "2147483647", new string('9', 400),
        Uri.EscapeDataString("<script>x</script>"), new string('x', 4000),
    ];

    private static readonly string[] Paths =
    [
        $"/runs/{FixtureRun.Name}/units/{FixtureRun.MlpHook}/99999999999",
        $"/runs/{FixtureRun.Name}/units/{FixtureRun.MlpHook}/-1",
        $"/runs/{FixtureRun.Name}/units/%00",
        $"/runs/{FixtureRun.Name}/units/%00/1",
        "/runs/%00/units/x",
        "/runs/%00/overview",
        $"/runs/{FixtureRun.Name}/units/%2e%2e%2f%2e%2e",
        "/runs/..%2F..%2Fetc/overview",
        $"/runs/{FixtureRun.Name}/units/sae%3A/1",
        $"/runs/{FixtureRun.Name}/units/{FixtureRun.MlpHook}/1?page=1&page=2&desc=true&desc=false",
        "/runs/" + new string('a', 6000),
        $"/runs/{FixtureRun.Name}/units/" + new string('%', 30),
        "/live?unit=1&unit=abc",
    ];

    [Fact]
    public async Task No_value_of_any_query_parameter_on_any_page_answers_500()
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", fixture.Run.RunsFolder, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);
        var targets = Routes.SelectMany(route => Keys.SelectMany(key => Values.Select(value => $"{route}?{key}={value}"))).ToArray();

        var failures = await FaultRequests.GetAllAsync(server.Address, targets, status => status >= 500);

        Assert.True(failures.Count == 0, $"{failures.Count} of {targets.Length} answered 5xx:\n{string.Join('\n', failures.Take(20))}");
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task Odd_paths_answer_4xx_or_200_and_never_500()
    {
        using var server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", fixture.Run.RunsFolder, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);

        var failures = await FaultRequests.GetAllAsync(server.Address, Paths, status => status >= 500);

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        FaultRequests.AssertNoStackTrace(server.Output);
    }

    [Fact]
    public async Task A_bad_page_number_shows_the_first_page_of_the_list()
    {
        var list = "/" + UnitUrls.List(FixtureRun.Name, FixtureRun.MlpHook);
        foreach (var value in new[] { "abc", "99999999999", "-1", "" })
        {
            var (status, _, body) = await RawHttp.GetAsync(fixture.Server.Address, $"{list}?page={value}&desc=maybe");

            Assert.Equal(200, status);
            Assert.Contains("id=\"unit-table\"", body, StringComparison.Ordinal);
        }
    }
}
