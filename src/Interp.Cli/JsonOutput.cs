using System.Text.Json;

namespace Interp.Cli;

/// <summary>Writes one JSON document to stdout (for <c>--json</c>).</summary>
public static class JsonOutput
{
    public static void Write(Action<Utf8JsonWriter> body)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }
}
