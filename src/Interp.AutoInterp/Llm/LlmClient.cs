using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// An <see cref="ILlmClient"/> over Microsoft.Extensions.AI's <see cref="IChatClient"/> (by default OpenAI's client
/// pointed at <see cref="LlmOptions.Endpoint"/>): answers come from the response cache when present; identical requests
/// in flight are sent once; each attempt has <see cref="LlmOptions.Timeout"/>; 429, 5xx, timeouts and dropped
/// connections are retried with back-off and jitter, honouring <c>Retry-After</c>; other statuses fail at once.
/// </summary>
public sealed class LlmClient : ILlmClient, IDisposable
{
    private readonly LlmOptions _options;
    private readonly IChatClient _chat;
    private readonly ResponseCache? _cache;
    private readonly ConcurrentDictionary<string, Lazy<Task<LlmResponse>>> _inFlight = new();

    /// <summary>A client for <paramref name="options"/>; <paramref name="chat"/> replaces the OpenAI client (tests, other providers).</summary>
    public LlmClient(LlmOptions options, IChatClient? chat = null)
    {
        _options = options;
        _chat = chat ?? CreateOpenAiChatClient(options);
        _cache = options.CacheDirectory is { } dir ? new ResponseCache(dir) : null;
    }

    /// <inheritdoc />
    public LlmUsage Usage { get; } = new();

    /// <summary>The options this client was made with.</summary>
    public LlmOptions Options => _options;

    /// <summary>OpenAI's chat client for the endpoint, with its own retries off (this class retries) and a network timeout past ours.</summary>
    public static IChatClient CreateOpenAiChatClient(LlmOptions options)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = options.Timeout + TimeSpan.FromSeconds(30),
        };
        var client = new ChatClient(options.Model, new ApiKeyCredential(options.ApiKey ?? "no-key"), clientOptions);
        return client.AsIChatClient();
    }

    /// <inheritdoc />
    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var key = request.CacheKey(_options.Model, _options.TopLogProbs);
        if (_cache?.TryRead(key) is { } cached)
        {
            Usage.AddCacheHit();
            return cached;
        }
        var lazy = _inFlight.GetOrAdd(key, k => new Lazy<Task<LlmResponse>>(() => FetchAndStoreAsync(k, request, cancellationToken)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (lazy.Value.IsCompleted) _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<LlmResponse>>>(key, lazy));
        }
    }

    /// <inheritdoc />
    public void Forget(LlmRequest request) => _cache?.Remove(request.CacheKey(_options.Model, _options.TopLogProbs));

    private async Task<LlmResponse> FetchAndStoreAsync(string key, LlmRequest request, CancellationToken cancellationToken)
    {
        // Checked again here: a twin request may have finished (cached, left _inFlight) between the caller's check and GetOrAdd.
        if (_cache?.TryRead(key) is { } cached)
        {
            Usage.AddCacheHit();
            return cached;
        }
        var response = await FetchAsync(request, cancellationToken).ConfigureAwait(false);
        _cache?.Write(key, response);
        return response;
    }

    private async Task<LlmResponse> FetchAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var messages = request.Messages.Select(m => new Microsoft.Extensions.AI.ChatMessage(Role(m.Role), m.Content)).ToList();
        var chatOptions = new ChatOptions { Temperature = (float)request.Temperature, MaxOutputTokens = request.MaxTokens };
        if (request.LogProbs)
        {
            var top = _options.TopLogProbs;
            chatOptions.RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = top };
        }

        for (var attempt = 1; ; attempt++)
        {
            string reason;
            TimeSpan? retryAfter = null;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(_options.Timeout);
                try
                {
                    Usage.AddRequest();
                    var response = await _chat.GetResponseAsync(messages, chatOptions, attemptCts.Token).ConfigureAwait(false);
                    var result = Convert(response);
                    Usage.AddTokens(result.InputTokens, result.OutputTokens);
                    return result;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    reason = $"no answer within {_options.Timeout.TotalSeconds:0.###} s";
                }
                catch (ClientResultException e) when (RetryPolicy.IsTransient(e.Status))
                {
                    reason = e.Status == 0 ? FirstLine(e.Message) : $"HTTP {e.Status}";
                    retryAfter = RetryAfter(e);
                }
                catch (ClientResultException e)
                {
                    throw new LlmException($"LLM endpoint {_options.Endpoint} answered HTTP {e.Status}: {FirstLine(e.Message)}", e);
                }
                catch (HttpRequestException e)
                {
                    reason = FirstLine(e.Message);
                }
            }
            if (attempt >= _options.MaxAttempts)
                throw new LlmException($"LLM request failed after {attempt} attempts: {reason}");
            Usage.AddRetry();
            await Task.Delay(RetryPolicy.Delay(attempt, retryAfter, _options.BaseDelay, _options.MaxDelay), cancellationToken).ConfigureAwait(false);
        }
    }

    private static ChatRole Role(string role) => role switch
    {
        "system" => ChatRole.System,
        "assistant" => ChatRole.Assistant,
        _ => ChatRole.User,
    };

    private static TimeSpan? RetryAfter(ClientResultException e)
    {
        var raw = e.GetRawResponse();
        if (raw is null) return null;
        raw.Headers.TryGetValue("retry-after-ms", out var ms);
        raw.Headers.TryGetValue("Retry-After", out var after);
        return RetryPolicy.ParseRetryAfter(ms, after, DateTimeOffset.UtcNow);
    }

    private static LlmResponse Convert(ChatResponse response)
    {
        IReadOnlyList<TokenLogProb>? logProbs = null;
        if (response.RawRepresentation is ChatCompletion completion && completion.ContentTokenLogProbabilities is { Count: > 0 } tokens)
            logProbs = tokens.Select(t => new TokenLogProb(t.Token, t.LogProbability,
                t.TopLogProbabilities.Select(a => new TopLogProb(a.Token, a.LogProbability)).ToList())).ToList();
        return new LlmResponse(response.Text ?? "", logProbs, response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    /// <inheritdoc />
    public void Dispose() => _chat.Dispose();
}
