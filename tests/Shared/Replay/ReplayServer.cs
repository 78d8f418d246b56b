using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.AutoInterp.Llm;

namespace Interp.Tests.Shared;

/// <summary>
/// An OpenAI-compatible HTTP server on 127.0.0.1 that answers <c>POST /v1/chat/completions</c> from a script
/// (chat answers with or without log-probabilities, error statuses with <c>Retry-After</c>, malformed bodies, hangs)
/// and <c>GET /v1/models</c> with one model. Test support (linked into the test projects that talk to an LLM); requests
/// are handled concurrently.
/// </summary>
public sealed partial class ReplayServer : IAsyncDisposable
{
    private readonly Func<ReplayRequest, ReplayAnswer> _script;
    private readonly ConcurrentQueue<ReplayRequest> _received = new();
    private readonly LoopbackHttpServer _server;
    private int _requests;

    private ReplayServer(Func<ReplayRequest, ReplayAnswer> script)
    {
        _script = script;
        _server = LoopbackHttpServer.Start(HandleAsync);
    }

    /// <summary>Base URL to give clients: <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public string Endpoint => _server.Address + "/v1";

    /// <summary>Chat completion requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The chat completion requests received, in arrival order.</summary>
    public IReadOnlyList<ReplayRequest> Received => [.. _received];

    /// <summary>Starts a server on a free port of 127.0.0.1 answering with <paramref name="script"/>.</summary>
    public static ReplayServer Start(Func<ReplayRequest, ReplayAnswer> script) => new(script);

    private async Task HandleAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var response = context.Response;
        var path = LoopbackHttpServer.PathOf(context.Request);
        if (context.Request.HttpMethod == "GET" && path.EndsWith("/models"))
        {
            await WriteAsync(response, 200, """{"object":"list","data":[{"id":"replay","object":"model","owned_by":"interp"}]}""").ConfigureAwait(false);
            return;
        }
        if (context.Request.HttpMethod != "POST" || !path.EndsWith("/chat/completions"))
        {
            await WriteAsync(response, 404, """{"error":{"message":"not found","type":"invalid_request_error"}}""").ConfigureAwait(false);
            return;
        }
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var request = Parse(Interlocked.Increment(ref _requests), body);
        _received.Enqueue(request);
        ReplayAnswer answer;
        try
        {
            answer = _script(request);
        }
        catch (Exception e)
        {
            answer = new ReplayAnswer.Raw(JsonSerializer.Serialize(new { error = new { message = "script failed: " + e.Message } }), 500);
        }
        switch (answer)
        {
            case ReplayAnswer.Chat chat:
                await WriteAsync(response, 200, Completion(request, chat)).ConfigureAwait(false);
                break;
            case ReplayAnswer.Status status:
                if (status.RetryAfter is { } after) response.AddHeader("Retry-After", after);
                await WriteAsync(response, status.Code,
                    JsonSerializer.Serialize(new { error = new { message = $"replayed status {status.Code}", type = "replay", code = status.Code.ToString() } })).ConfigureAwait(false);
                break;
            case ReplayAnswer.Hang hang:
                try
                {
                    await Task.Delay(hang.Duration, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                await WriteAsync(response, 200, Completion(request, new ReplayAnswer.Chat(hang.Then))).ConfigureAwait(false);
                break;
            case ReplayAnswer.Raw raw:
                await WriteAsync(response, raw.Code, raw.Body).ConfigureAwait(false);
                break;
        }
    }

    private static Task WriteAsync(HttpListenerResponse response, int status, string json) => LoopbackHttpServer.WriteJsonAsync(response, status, json);

    private static ReplayRequest Parse(int number, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var messages = new List<LlmMessage>();
        if (root.TryGetProperty("messages", out var list))
            foreach (var m in list.EnumerateArray())
            {
                var role = m.TryGetProperty("role", out var r) ? r.GetString() ?? "user" : "user";
                var content = "";
                if (m.TryGetProperty("content", out var c))
                {
                    if (c.ValueKind == JsonValueKind.String) content = c.GetString() ?? "";
                    else if (c.ValueKind == JsonValueKind.Array)
                        content = string.Concat(c.EnumerateArray().Select(part => part.TryGetProperty("text", out var t) ? t.GetString() : ""));
                }
                messages.Add(new LlmMessage(role, content));
            }
        var model = root.TryGetProperty("model", out var mo) ? mo.GetString() ?? "" : "";
        var logProbs = root.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.True;
        var top = root.TryGetProperty("top_logprobs", out var tl) && tl.ValueKind == JsonValueKind.Number ? tl.GetInt32() : 0;
        double? temperature = root.TryGetProperty("temperature", out var te) && te.ValueKind == JsonValueKind.Number ? te.GetDouble() : null;
        return new ReplayRequest(number, model, messages, logProbs, top, temperature);
    }

    [GeneratedRegex(@"\d+|[A-Za-z]+|[\s\S]")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\d|[A-Za-z]+|[\s\S]")]
    private static partial Regex DigitTokenPattern();

    private static string Completion(ReplayRequest request, ReplayAnswer.Chat chat)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", $"chatcmpl-replay-{request.Number}");
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            w.WriteString("model", request.Model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            w.WriteString("content", chat.Content);
            w.WriteEndObject();
            if (request.LogProbs && !chat.WithoutLogProbs)
            {
                w.WriteStartObject("logprobs");
                w.WriteStartArray("content");
                string? previous = null;
                foreach (Match token in (chat.SplitDigits ? DigitTokenPattern() : TokenPattern()).Matches(chat.Content))
                {
                    var alternatives = (chat.AlternativesAfter is { } after ? after(previous, token.Value) : chat.Alternatives?.Invoke(token.Value))
                        ?? [new TopLogProb(token.Value, 0)];
                    previous = token.Value;
                    var own = alternatives.FirstOrDefault(a => a.Token == token.Value)?.LogProb ?? -20;
                    w.WriteStartObject();
                    WriteLogProb(w, token.Value, own);
                    w.WriteStartArray("top_logprobs");
                    foreach (var alt in alternatives.Take(Math.Max(1, request.TopLogProbs)))
                    {
                        w.WriteStartObject();
                        WriteLogProb(w, alt.Token, alt.LogProb);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNull("refusal");
                w.WriteEndObject();
            }
            else w.WriteNull("logprobs");
            w.WriteString("finish_reason", "stop");
            w.WriteEndObject();
            w.WriteEndArray();
            var promptTokens = request.Messages.Sum(m => m.Content.Length) / 4;
            var completionTokens = Math.Max(1, chat.Content.Length / 4);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", promptTokens);
            w.WriteNumber("completion_tokens", completionTokens);
            w.WriteNumber("total_tokens", promptTokens + completionTokens);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteLogProb(Utf8JsonWriter w, string token, double logProb)
    {
        w.WriteString("token", token);
        w.WriteNumber("logprob", logProb);
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(token)) w.WriteNumberValue(b);
        w.WriteEndArray();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
