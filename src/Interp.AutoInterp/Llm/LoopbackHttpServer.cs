using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// The plumbing of a local HTTP server on a free port of 127.0.0.1 (never another interface): an accept loop that hands
/// each request to a handler on its own task, a JSON answer, and a stop that ends the loop. Used by the autointerp bench's
/// instant chat server and by the tests' replay server.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, CancellationToken, Task> _handle;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LoopbackHttpServer(HttpListener listener, int port, Func<HttpListenerContext, CancellationToken, Task> handle)
    {
        _listener = listener;
        _handle = handle;
        Address = $"http://127.0.0.1:{port}";
        _loop = Task.Run(LoopAsync);
    }

    /// <summary><c>http://127.0.0.1:PORT</c>, without a trailing slash.</summary>
    public string Address { get; }

    /// <summary>
    /// Starts a server on a free port; every request goes to <paramref name="handle"/> (with a token cancelled when the
    /// server stops). A handler that throws has its response aborted: the client went away, or the server is stopping.
    /// </summary>
    public static LoopbackHttpServer Start(Func<HttpListenerContext, CancellationToken, Task> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
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
                return new LoopbackHttpServer(listener, port, handle);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Another process took the port between the probe and the start: try another.
                listener.Close();
            }
        }
    }

    /// <summary>The request's path without a trailing slash (<c>/v1/chat/completions</c>).</summary>
    public static string PathOf(HttpListenerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Url?.AbsolutePath.TrimEnd('/') ?? "";
    }

    /// <summary>Answers <paramref name="status"/> with the JSON body <paramref name="json"/> and closes the response.</summary>
    public static Task WriteJsonAsync(HttpListenerResponse response, int status, string json) =>
        WriteJsonAsync(response, status, Encoding.UTF8.GetBytes(json));

    /// <summary>Answers <paramref name="status"/> with the UTF-8 JSON body <paramref name="json"/> and closes the response.</summary>
    public static async Task WriteJsonAsync(HttpListenerResponse response, int status, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = json.Length;
        await response.OutputStream.WriteAsync(json).ConfigureAwait(false);
        response.Close();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            await _handle(context, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            try { context.Response.Abort(); } catch (Exception) { }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
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
        _stop.Dispose();
    }
}
