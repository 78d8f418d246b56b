using System.Net.Sockets;
using System.Text;

namespace Interp.Web.Tests.Support;

/// <summary>
/// HTTP/1.1 GETs written by hand on a socket, for request targets HttpClient would normalise away (<c>//host/</c>,
/// backslashes, absolute-form targets, raw <c>%00</c>).
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <c>GET TARGET HTTP/1.1</c> to <paramref name="server"/> and returns the status code and the Location header (or null).</summary>
    public static async Task<(int Status, string? Location)> GetStatusAndLocationAsync(Uri server, string target)
    {
        var (status, headers, _) = await GetAsync(server, target);
        return (status, headers.FirstOrDefault(h => h.StartsWith("Location:", StringComparison.OrdinalIgnoreCase))?["Location:".Length..].Trim());
    }

    /// <summary>Sends <c>GET TARGET HTTP/1.1</c> with <c>Connection: close</c> and reads the whole answer.</summary>
    public static async Task<(int Status, IReadOnlyList<string> Headers, string Body)> GetAsync(Uri server, string target)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.ConnectAsync(server.Host, server.Port, timeout.Token);
        await using var stream = client.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(timeout.Token);
        var head = text.Split("\r\n\r\n", 2);
        var lines = head[0].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, lines.Skip(1).ToArray(), head.Length > 1 ? head[1] : "");
    }
}
