namespace Interp.Web.Tests.Support;

/// <summary>
/// For the browser tests: the fixture run served by <c>interp serve</c> (from the built program, on a free loopback
/// port) and, when chromium is installed, a browser. Shared by the "web app" collection.
/// </summary>
public sealed class WebAppFixture : IAsyncLifetime
{
    private BrowserSession? _browser;
    private ServerProcess? _server;

    /// <summary>The run being served.</summary>
    public FixtureRun Run => FixtureRun.Shared;

    /// <summary>The server.</summary>
    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>The browser (only in tests marked <see cref="BrowserFactAttribute"/>).</summary>
    public BrowserSession Browser => _browser ?? throw new InvalidOperationException("chromium is not installed");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = ServerProcess.Start(TestPaths.CliDll, ["serve", "--runs", Run.RunsFolder, "--urls", "http://127.0.0.1:0", "--model", TestPaths.DefaultModel]);
        if (TestPaths.Chromium is not null) _browser = await BrowserSession.StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _server?.Dispose();
    }
}

/// <summary>Tests that share one server and browser.</summary>
[CollectionDefinition(Name)]
public sealed class WebAppCollection : ICollectionFixture<WebAppFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "web app";
}
