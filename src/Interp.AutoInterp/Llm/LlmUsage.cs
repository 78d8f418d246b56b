namespace Interp.AutoInterp.Llm;

/// <summary>Thread-safe counters of what an <see cref="ILlmClient"/> did.</summary>
public sealed class LlmUsage
{
    private long _requests, _cacheHits, _retries, _inputTokens, _outputTokens;

    /// <summary>Requests sent over the network (each attempt counts).</summary>
    public long Requests => Interlocked.Read(ref _requests);
    /// <summary>Answers served from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);
    /// <summary>Attempts that failed transiently and were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);
    /// <summary>Prompt tokens reported by the endpoint.</summary>
    public long InputTokens => Interlocked.Read(ref _inputTokens);
    /// <summary>Completion tokens reported by the endpoint.</summary>
    public long OutputTokens => Interlocked.Read(ref _outputTokens);

    internal void AddRequest() => Interlocked.Increment(ref _requests);
    internal void AddCacheHit() => Interlocked.Increment(ref _cacheHits);
    internal void AddRetry() => Interlocked.Increment(ref _retries);

    internal void AddTokens(long input, long output)
    {
        Interlocked.Add(ref _inputTokens, input);
        Interlocked.Add(ref _outputTokens, output);
    }
}
