using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Interp.Web.Hosting;

/// <summary>
/// At most <see cref="PermitLimit"/> pages render at once; the others wait their turn in order. A unit page's render
/// holds a few MB (its render tree and HTML for a couple of thousand coloured tokens) until the last byte is sent, so
/// without a bound, memory grows with the number of clients: 100 GETs at once took a 2-core server from 0.14 to a
/// 1.2 GB peak, 4 at once to 0.22 GB, in about the same time (the CPU is the bottleneck either way). Framework paths
/// (<c>/_blazor</c>: the circuits' long-lived connections; <c>/_framework</c>, <c>/_content</c>: static files) are not limited.
/// </summary>
public static class PageRenderLimiter
{
    /// <summary>
    /// Pages rendered at once: two per core, at least four. A permit is held until the page's last byte is handed to the
    /// connection, so a client that reads slowly holds one for a while; a few spare keep the others going.
    /// </summary>
    public static int PermitLimit { get; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Requests that may wait; beyond it the answer is 503 with one line.</summary>
    public const int QueueLimit = 10_000;

    /// <summary>Registers the limiter.</summary>
    public static IServiceCollection AddPageRenderLimiter(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => IsPage(context.Request)
                ? RateLimitPartition.GetConcurrencyLimiter("pages", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = PermitLimit, QueueLimit = QueueLimit, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                })
                : RateLimitPartition.GetNoLimiter("framework"));
            o.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            o.OnRejected = (context, token) =>
            {
                context.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
                return new ValueTask(context.HttpContext.Response.WriteAsync("server busy: too many pages waiting; try again\n", token));
            };
        });

    /// <summary>True for a request that renders a page (anything not under a framework path starting with <c>/_</c>).</summary>
    public static bool IsPage(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return !(request.Path.Value ?? "").StartsWith("/_", StringComparison.Ordinal);
    }
}
