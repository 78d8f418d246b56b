using System.Text.Json;

namespace Interp.Cli;

/// <summary>Writes one JSON document to stdout (for <c>--json</c>), or to a file.</summary>
public static class JsonOutput
{
    public static void Write(Action<Utf8JsonWriter> body)
    {
        using var stdout = Console.OpenStandardOutput();
        WriteTo(stdout, body, indented: false);
    }

    /// <summary>Writes the document to <paramref name="path"/> under a temporary name, then renames it.</summary>
    public static void WriteFile(string path, Action<Utf8JsonWriter> body)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        Interp.Core.AtomicFile.Write(path, tmp =>
        {
            using var file = File.Create(tmp);
            WriteTo(file, body, indented: true);
        });
    }

    private static void WriteTo(Stream stream, Action<Utf8JsonWriter> body, bool indented)
    {
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }
}
