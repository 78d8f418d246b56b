using System.Net;
using Interp.Core;
using Interp.Web.Hosting;

namespace Interp.Web.Security;

/// <summary>
/// Where the app may listen: loopback addresses always; anything else (a LAN address, <c>0.0.0.0</c>, <c>*</c>, a host
/// name other than <c>localhost</c>) only with an access token, because the app runs a model on request and shows
/// everything under the runs folder.
/// </summary>
public static class BindingPolicy
{
    /// <summary>The addresses in <paramref name="urls"/> (separated by <c>;</c>).</summary>
    /// <exception cref="InvalidOptionException">An address that is not an absolute http(s) URL.</exception>
    public static IReadOnlyList<Uri> Parse(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var parts = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw Refuse(o => $"{o(nameof(InterpWebOptions.Urls))}: give at least one address, e.g. http://127.0.0.1:5000");
        var result = new List<Uri>();
        foreach (var part in parts)
        {
            // Kestrel's wildcards are not valid URI hosts: read them as "every interface".
            var normal = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normal, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw Refuse(o => $"{o(nameof(InterpWebOptions.Urls))} '{part}': expected an http(s) address such as http://127.0.0.1:5000");
            result.Add(uri);
        }
        return result;
    }

    /// <summary>True when <paramref name="address"/> can only be reached from this machine.</summary>
    public static bool IsLoopback(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsLoopback) return true;   // localhost, 127.x, [::1]
        return IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>
    /// Null when the app may listen on <paramref name="urls"/> with <paramref name="token"/>; else the one line that says
    /// why not and what to do (to throw).
    /// </summary>
    public static InvalidOptionException? Refusal(string urls, string? token)
    {
        var exposed = Parse(urls).Where(u => !IsLoopback(u)).ToArray();
        if (exposed.Length == 0 || !string.IsNullOrEmpty(token)) return null;
        var addresses = string.Join(", ", exposed.Select(u => u.GetLeftPart(UriPartial.Authority)));
        return Refuse(o => $"refusing to listen on {addresses} without an access token: " +
                           $"that address is reachable from other machines; pass {o(nameof(InterpWebOptions.Token))} T (or set {InterpWebOptions.TokenVariable}), or bind to 127.0.0.1");
    }

    /// <summary>The listening options (<see cref="InterpWebOptions"/>' property names) by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        nameof(InterpWebOptions.Urls) => "listen address",
        nameof(InterpWebOptions.Token) => "access token",
        _ => option,
    };

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);
}
