using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Hosting;

/// <summary>
/// The Blazor circuit's WebSocket on the real <c>interp serve</c>: a client offering permessage-deflate (as browsers do)
/// gets it, so the page's render batches go compressed.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed class CircuitCompressionTests(WebAppFixture fixture)
{
    [Fact]
    public async Task The_circuit_socket_accepts_permessage_deflate()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var address = fixture.Server.Address;
        // SignalR first negotiates a connection over HTTP, then the socket joins it by its token.
        using var http = new HttpClient { BaseAddress = address };
        using var negotiate = await http.PostAsync("_blazor/negotiate?negotiateVersion=1", null, timeout.Token);
        negotiate.EnsureSuccessStatusCode();
        var connection = await negotiate.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
        var token = connection.GetProperty("connectionToken").GetString();

        using var socket = new ClientWebSocket();
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(new Uri($"ws://{address.Authority}/_blazor?id={Uri.EscapeDataString(token!)}"), timeout.Token);

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.NotNull(socket.HttpResponseHeaders);
        var extensions = socket.HttpResponseHeaders.Where(h => h.Key.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value).ToArray();
        Assert.Contains(extensions, e => e.Contains("permessage-deflate", StringComparison.Ordinal));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }
}
