using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Web.Hosting;

/// <summary>
/// Compression of what the app renders per request (pages, the circuit's negotiate JSON, the 401 and error texts):
/// Brotli where the browser takes it, else gzip. Static files are not compressed here: <c>MapStaticAssets</c> serves the
/// copies the build compressed once (gzip in a plain build, Brotli and gzip after publish), and this middleware leaves any
/// response that already has a <c>Content-Encoding</c> alone.
/// </summary>
public static class ResponseCompressionSetup
{
    /// <summary>
    /// Brotli's level for pages. <see cref="CompressionLevel.Optimal"/> is Brotli quality 4: on the quickstart run's unit
    /// pages it gave a smaller page than quality 1 (<see cref="CompressionLevel.Fastest"/>) for a few milliseconds more
    /// per page, small beside the render (README, "The web UI at scale").
    /// </summary>
    public const CompressionLevel BrotliLevel = CompressionLevel.Optimal;

    /// <summary>gzip's level, for browsers without Brotli: zlib's default (6), the usual trade.</summary>
    public const CompressionLevel GzipLevel = CompressionLevel.Optimal;

    /// <summary>Registers the compression providers, Brotli first (so it wins when a browser takes both equally).</summary>
    public static IServiceCollection AddInterpResponseCompression(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddResponseCompression(o =>
        {
            // Over HTTPS too (when a user binds https with a certificate). The risk there is BREACH: a page that carries a
            // secret and also reflects what an attacker put in the URL lets the attacker guess the secret from the
            // compressed length. No page of this app carries a secret: the access token travels only in a cookie or a
            // header (never in a body; headers are not compressed here), there are no forms and so no antiforgery tokens,
            // and Blazor's prerender markers hold data-protected component descriptors that open nothing to whoever reads them.
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = BrotliLevel);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = GzipLevel);
        return services;
    }
}
