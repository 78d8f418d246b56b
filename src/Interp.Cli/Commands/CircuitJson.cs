using System.Text.Json;

namespace Interp.Cli.Commands;

/// <summary>The JSON pieces the circuit verbs share: the prompt's tokens and nested arrays of numbers.</summary>
internal static class CircuitJson
{
    /// <summary><c>"tokens": [ids], "str_tokens": [texts]</c> (TransformerLens's <c>to_str_tokens</c>).</summary>
    public static void WriteTokens(Utf8JsonWriter w, IReadOnlyList<int> ids, IReadOnlyList<string> strings)
    {
        WriteArray(w, "tokens", ids, (w, v) => w.WriteNumberValue(v));
        WriteArray(w, "str_tokens", strings, (w, v) => w.WriteStringValue(v));
    }

    public static void WriteArray<T>(Utf8JsonWriter w, string name, IEnumerable<T> values, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray(name);
        foreach (var v in values) write(w, v);
        w.WriteEndArray();
    }

    /// <summary>An array of arrays under <paramref name="name"/>.</summary>
    public static void WriteGrid<T>(Utf8JsonWriter w, string name, IEnumerable<IEnumerable<T>> rows, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray(name);
        foreach (var row in rows) WriteRow(w, row, write);
        w.WriteEndArray();
    }

    /// <summary>An unnamed array (inside another array).</summary>
    public static void WriteRow<T>(Utf8JsonWriter w, IEnumerable<T> row, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray();
        foreach (var v in row) write(w, v);
        w.WriteEndArray();
    }
}
