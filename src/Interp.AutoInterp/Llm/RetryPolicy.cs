using System.Globalization;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// How long to wait before retry <c>n</c>: the server's <c>Retry-After</c> (seconds or an HTTP date; or
/// <c>retry-after-ms</c>) when it sent one, else exponential back-off with full jitter, uniform in
/// [0, min(max, base · 2^(n−1))]; never more than the maximum.
/// </summary>
public static class RetryPolicy
{
    /// <summary>Whether an HTTP status is worth retrying: 408, 409, 429 and every 5xx (0: no response at all).</summary>
    public static bool IsTransient(int status) => status is 0 or 408 or 409 or 429 || status >= 500;

    /// <summary>The delay before the retry that follows failed attempt <paramref name="attempt"/> (1-based).</summary>
    public static TimeSpan Delay(int attempt, TimeSpan? retryAfter, TimeSpan baseDelay, TimeSpan maxDelay, Random? random = null)
    {
        if (retryAfter is { } after)
            return after < TimeSpan.Zero ? TimeSpan.Zero : after > maxDelay ? maxDelay : after;
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds((random ?? Random.Shared).NextDouble() * ceiling);
    }

    /// <summary>Parses <c>retry-after-ms</c> or <c>Retry-After</c> header values (either may be null).</summary>
    public static TimeSpan? ParseRetryAfter(string? retryAfterMs, string? retryAfter, DateTimeOffset now)
    {
        if (retryAfterMs is not null && double.TryParse(retryAfterMs, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (retryAfter is null) return null;
        if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}
