using Interp.Core;
using Interp.Web.Components;
using Interp.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interp.Web.Hosting;

/// <summary>
/// Builds the web app <c>interp serve</c> runs: Kestrel on <see cref="InterpWebOptions.Urls"/>, response compression
/// (<see cref="ResponseCompressionSetup"/>), the access-token check in front of everything else when a token is set, static
/// web assets (from the build output's manifest in a plain build, from <c>wwwroot</c> after publish), and the Blazor
/// components in interactive server mode.
/// </summary>
public static class InterpWebApp
{
    /// <summary>Builds the app; nothing listens until it is started.</summary>
    /// <param name="options">What to serve and how.</param>
    /// <param name="configure">Changes a host other than <c>interp serve</c> makes before the app is built (a benchmark sends the log to stderr).</param>
    /// <exception cref="InterpException">An address that needs a token and has none, or is not an http(s) URL.</exception>
    public static WebApplication Build(InterpWebOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (BindingPolicy.Refusal(options.Urls, options.Token) is { } refusal) throw refusal;

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // Wherever the program is started from, its files (wwwroot after publish, the static-asset manifests) sit beside it.
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // In a plain build the static web assets (Plotly.Blazor's scripts, blazor.web.js, our css) are found through the
        // build's runtime manifest, which ASP.NET Core reads only in Development unless asked; after publish there is no
        // manifest and this does nothing (the files are in wwwroot).
        StaticWebAssetsLoader.UseStaticWebAssets(builder.Environment, builder.Configuration);
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (port in use) propagates to `interp serve`, which says it in one line: no stack trace here too.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.AddInterpServices(options);
        builder.Services.AddPageRenderLimiter();
        builder.Services.AddInterpResponseCompression();
        configure?.Invoke(builder);

        var app = builder.Build();
        // First, so that everything after it (pages, 401s, error pages) can be compressed.
        app.UseResponseCompression();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            await next(context).ConfigureAwait(false);
        });
        if (!string.IsNullOrEmpty(options.Token)) app.UseMiddleware<AccessTokenMiddleware>(options.Token);
        app.UseRateLimiter();
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o =>
        {
            // The circuit's WebSocket is compressed (permessage-deflate: on by default; said here so that it stays on).
            // Blazor then sends `Content-Security-Policy: frame-ancestors` so that no other site frames a page whose
            // circuit is compressed: 'none' here, as X-Frame-Options: DENY above, rather than Blazor's 'self'.
            o.DisableWebSocketCompression = false;
            o.ContentSecurityFrameAncestorsPolicy = "'none'";
        });
        return app;
    }

    /// <summary>The addresses the started app listens on (with the real port when the URL asked for port 0).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
    }
}
