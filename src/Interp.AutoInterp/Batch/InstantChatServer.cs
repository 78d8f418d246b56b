using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// <c>interp bench autointerp</c>'s own local responder: an OpenAI-compatible server on 127.0.0.1 that answers every
/// <c>POST …/chat/completions</c> at once with one fixed completion, so the bench measures only the client's cost
/// (HTTP, JSON, parsing). Not a test fake: it scripts nothing and never fails on purpose; tests use their own replay server.
/// </summary>
internal sealed class InstantChatServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly byte[] _completion;
    private readonly Task _loop;

    private InstantChatServer(HttpListener listener, int port, string content)
    {
        _listener = listener;
        _completion = Completion(content);
        Endpoint = $"http://127.0.0.1:{port}/v1";
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Base URL to give clients: <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Starts a server on a free port of 127.0.0.1 that answers every chat request with <paramref name="content"/>.</summary>
    public static InstantChatServer Start(string content)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new InstantChatServer(listener, port, content);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Another process took the port between the probe and the start: try another.
                listener.Close();
            }
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            await context.Request.InputStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
            var chat = context.Request.HttpMethod == "POST" && (context.Request.Url?.AbsolutePath.TrimEnd('/').EndsWith("/chat/completions") ?? false);
            var body = chat ? _completion : """{"error":{"message":"not found","type":"invalid_request_error"}}"""u8.ToArray();
            response.StatusCode = chat ? 200 : 404;
            response.ContentType = "application/json";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            response.Close();
        }
        catch (Exception)
        {
            // The client went away or the server is stopping: nothing to answer.
            try { response.Abort(); } catch (Exception) { }
        }
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
    public async ValueTask DisposeAsync()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
    }
}
