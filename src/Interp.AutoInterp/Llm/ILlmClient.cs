namespace Interp.AutoInterp.Llm;

/// <summary>Sends chat requests (with retries and a response cache in <see cref="LlmClient"/>).</summary>
public interface ILlmClient
{
    /// <summary>The model's answer to <paramref name="request"/>.</summary>
    Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken);

    /// <summary>Drops <paramref name="request"/>'s cached answer (called when the answer turned out malformed, so a retry asks again).</summary>
    void Forget(LlmRequest request);

    /// <summary>Requests, cache hits, retries and tokens so far.</summary>
    LlmUsage Usage { get; }
}
