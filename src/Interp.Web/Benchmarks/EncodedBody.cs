using System.IO.Compression;
using Interp.Core;

namespace Interp.Web.Benchmarks;

/// <summary>
/// A response body as it came over the wire (the client asked for <see cref="AcceptEncoding"/> and did not decompress)
/// and as rendered: what the server sent and what the browser shows.
/// </summary>
/// <param name="Encoding">The response's <c>Content-Encoding</c> (<c>br</c>, <c>gzip</c>), or <c>identity</c> when it had none.</param>
/// <param name="Wire">The body's bytes as sent.</param>
/// <param name="Rendered">The body decoded.</param>
public sealed record EncodedBody(string Encoding, byte[] Wire, byte[] Rendered)
{
    /// <summary>What a browser asks for.</summary>
    public const string AcceptEncoding = "br, gzip";

    /// <summary>The encoding's name when the response has none.</summary>
    public const string Identity = "identity";

    /// <summary>Decodes <paramref name="wire"/> sent with the content codings <paramref name="encodings"/> (in the order applied).</summary>
    /// <exception cref="InterpException">A coding other than br, gzip or identity, or a body that does not decode.</exception>
    public static EncodedBody Decode(IEnumerable<string> encodings, byte[] wire)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        ArgumentNullException.ThrowIfNull(wire);
        var codings = encodings.Select(e => e.Trim().ToLowerInvariant()).Where(e => e.Length > 0 && e != Identity).ToArray();
        var rendered = wire;
        try
        {
            for (var i = codings.Length - 1; i >= 0; i--) rendered = Inflate(codings[i], rendered);   // the last applied comes off first
        }
        catch (InvalidDataException e)
        {
            throw new InterpException($"a response sent as {string.Join(", ", codings)} does not decode: {e.Message}");
        }
        return new EncodedBody(codings.Length == 0 ? Identity : string.Join(", ", codings), wire, rendered);
    }

    private static byte[] Inflate(string coding, byte[] body)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = coding switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            _ => throw new InterpException($"a response sent as '{coding}', which the benchmark does not decode (it asked for {AcceptEncoding})"),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
