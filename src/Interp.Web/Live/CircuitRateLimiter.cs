using Interp.Web.Hosting;

namespace Interp.Web.Live;

/// <summary>
/// Per-circuit (one per browser tab, registered scoped) limits on model requests: one in flight at a time and at most
/// <see cref="InterpWebOptions.RequestsPerMinute"/> in any minute; and the input length limit.
/// </summary>
public sealed class CircuitRateLimiter(InterpWebOptions options, TimeProvider time)
{
    private readonly Queue<DateTimeOffset> _recent = new();
    private readonly Lock _lock = new();
    private bool _inFlight;

    /// <summary>
    /// A lease for one request (dispose it when the request ends), or null with <paramref name="refusal"/> saying why:
    /// the text is too long, a request is already running, or the per-minute budget is spent.
    /// </summary>
    public IDisposable? TryAcquire(string text, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > options.MaxInputChars)
        {
            refusal = $"the text is {text.Length:N0} characters; the limit is {options.MaxInputChars:N0}";
            return null;
        }
        lock (_lock)
        {
            var now = time.GetUtcNow();
            while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromMinutes(1)) _recent.Dequeue();
            if (_inFlight)
            {
                refusal = "a request is still running; wait for it to finish";
                return null;
            }
            if (_recent.Count >= options.RequestsPerMinute)
            {
                var wait = TimeSpan.FromMinutes(1) - (now - _recent.Peek());
                refusal = $"rate limit: {options.RequestsPerMinute} requests a minute; try again in {Math.Ceiling(wait.TotalSeconds):F0} s";
                return null;
            }
            _recent.Enqueue(now);
            _inFlight = true;
            refusal = null;
            return new Lease(this);
        }
    }

    private void Release()
    {
        lock (_lock) _inFlight = false;
    }

    private sealed class Lease(CircuitRateLimiter owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Release();
        }
    }
}
