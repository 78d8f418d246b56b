using System.Text.Encodings.Web;
using System.Text.Json;

namespace Interp.Web.Circuits;

/// <summary>A token written in a message or a label: quoted as JSON quotes it, so that spaces and newlines show.</summary>
public static class TokenText
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><paramref name="token"/> in double quotes, escaped as in JSON (the page encodes it again as HTML).</summary>
    public static string Quote(string token) => JsonSerializer.Serialize(token, Json);
}
