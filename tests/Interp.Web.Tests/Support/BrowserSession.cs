using Microsoft.Playwright;

namespace Interp.Web.Tests.Support;

/// <summary>
/// Debian's chromium under Playwright with a fresh profile (never a downloaded browser): one persistent context per
/// session; pages are opened per test. Screenshots go to <see cref="TestPaths.Artifacts"/>.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>The chromium flags these machines need.</summary>
    public static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private BrowserSession(IPlaywright playwright, IBrowserContext context, string profile) => (_playwright, Context, _profile) = (playwright, context, profile);

    /// <summary>The browser context.</summary>
    public IBrowserContext Context { get; }

    /// <summary>Launches chromium.</summary>
    public static async Task<BrowserSession> StartAsync()
    {
        var chromium = TestPaths.Chromium ?? throw new InvalidOperationException("chromium is not installed");
        var profile = TestPaths.NewTempFolder("chromium-profile");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = Flags,
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Timeout = 60_000,
            });
            context.SetDefaultTimeout(60_000);
            return new BrowserSession(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Saves a full-page screenshot as artifacts/NAME.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.Artifacts, name + ".png"), FullPage = true });
    }

    /// <summary>Closes the browser and deletes the profile.</summary>
    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
    }
}
