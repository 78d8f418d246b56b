using Interp.Web.Hosting;
using Interp.Web.Live;

namespace Interp.Web.Tests.Hosting;

public sealed class CircuitRateLimiterTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Text_longer_than_the_limit_is_refused()
    {
        var limiter = new CircuitRateLimiter(new InterpWebOptions { MaxInputChars = 10 }, new ManualTime());

        Assert.Null(limiter.TryAcquire(new string('a', 11), out var refusal));
        Assert.Contains("limit is 10", refusal, StringComparison.Ordinal);
        using var lease = limiter.TryAcquire(new string('a', 10), out _);
        Assert.NotNull(lease);
    }

    [Fact]
    public void One_request_at_a_time_per_circuit()
    {
        var limiter = new CircuitRateLimiter(new InterpWebOptions(), new ManualTime());

        var first = limiter.TryAcquire("a", out _);
        Assert.NotNull(first);
        Assert.Null(limiter.TryAcquire("b", out var refusal));
        Assert.Contains("still running", refusal, StringComparison.Ordinal);
        first.Dispose();
        first.Dispose();
        using var second = limiter.TryAcquire("b", out _);
        Assert.NotNull(second);
    }

    [Fact]
    public void At_most_the_configured_requests_in_any_minute()
    {
        var time = new ManualTime();
        var limiter = new CircuitRateLimiter(new InterpWebOptions { RequestsPerMinute = 3 }, time);

        for (var i = 0; i < 3; i++)
        {
            limiter.TryAcquire("x", out _)!.Dispose();
            time.Now += TimeSpan.FromSeconds(10);
        }
        Assert.Null(limiter.TryAcquire("x", out var refusal));
        Assert.Contains("rate limit", refusal, StringComparison.Ordinal);
        time.Now += TimeSpan.FromSeconds(31);                                      // the first request is a minute old
        using var later = limiter.TryAcquire("x", out _);
        Assert.NotNull(later);
    }
}
