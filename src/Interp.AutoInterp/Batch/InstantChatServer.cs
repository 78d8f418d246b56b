using System.Net;
using System.Text.Json;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// <c>interp bench autointerp</c>'s own local responder: an OpenAI-compatible server on 127.0.0.1 that answers every
/// <c>POST …/chat/completions</c> at once with one fixed completion, so the bench measures only the client's cost
/// (HTTP, JSON, parsing). Not a test fake: it scripts nothing and never fails on purpose; tests use their own replay server.
/// </summary>
internal sealed class InstantChatServer : IAsyncDisposable
{
    private static readonly byte[] NotFound = """{"error":{"message":"not found","type":"invalid_request_error"}}"""u8.ToArray();

    private readonly LoopbackHttpServer _server;
    private readonly byte[] _completion;

    private InstantChatServer(string content)
    {
        _completion = Completion(content);
        _server = LoopbackHttpServer.Start((context, _) => AnswerAsync(context));
    }

    /// <summary>Base URL to give clients: <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public string Endpoint => _server.Address + "/v1";

    /// <summary>Starts a server on a free port of 127.0.0.1 that answers every chat request with <paramref name="content"/>.</summary>
    public static InstantChatServer Start(string content) => new(content);

    private async Task AnswerAsync(HttpListenerContext context)
    {
        await context.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        var chat = context.Request.HttpMethod == "POST" && LoopbackHttpServer.PathOf(context.Request).EndsWith("/chat/completions", StringComparison.Ordinal);
        await LoopbackHttpServer.WriteJsonAsync(context.Response, chat ? 200 : 404, chat ? _completion : NotFound).ConfigureAwait(false);
    }

    private static byte[] Completion(string content) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        id = "chatcmpl-bench",
        @object = "chat.completion",
        created = 0,
        model = "bench",
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, logprobs = (object?)null, finish_reason = "stop" } },
        usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
    });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
