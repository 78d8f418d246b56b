namespace Interp.Core.Corpora;

/// <summary>How a corpus file is read: decided by its name.</summary>
public enum CorpusFormat
{
    /// <summary>UTF-8 text (<c>.txt</c>): the file is one document.</summary>
    Text,

    /// <summary>JSON lines (<c>.jsonl</c>, <c>.json</c>): one object per line, its text field one document.</summary>
    JsonLines,

    /// <summary>Gzip-compressed JSON lines (<c>.jsonl.gz</c>, <c>.json.gz</c>).</summary>
    JsonLinesGzip,

    /// <summary>Parquet (<c>.parquet</c>): one document per row of the text column.</summary>
    Parquet,
}

/// <summary>One corpus file and how it is read.</summary>
/// <param name="Path">The file, as given or as found in a folder or by a glob.</param>
/// <param name="Format">How it is read.</param>
public sealed record CorpusInput(string Path, CorpusFormat Format)
{
    /// <summary>The JSON field or Parquet column that holds a document's text, unless another is asked for.</summary>
    public const string DefaultTextField = "text";

    /// <summary>The file name endings read, for messages.</summary>
    public const string KnownKinds = ".txt, .jsonl, .jsonl.gz, .json (JSON lines) or .parquet";

    // Longest ending first, so that "x.jsonl.gz" is not taken for something else.
    private static readonly (string Ending, CorpusFormat Format)[] Endings =
    [
        (".jsonl.gz", CorpusFormat.JsonLinesGzip), (".json.gz", CorpusFormat.JsonLinesGzip), (".jsonl", CorpusFormat.JsonLines),
        (".json", CorpusFormat.JsonLines), (".parquet", CorpusFormat.Parquet), (".txt", CorpusFormat.Text),
    ];

    /// <summary>The format of a file named <paramref name="path"/>; null when its ending is none of <see cref="KnownKinds"/>.</summary>
    public static CorpusFormat? FormatOf(string path)
    {
        foreach (var (ending, format) in Endings)
        {
            if (path.EndsWith(ending, StringComparison.OrdinalIgnoreCase)) return format;
        }
        return null;
    }

    /// <summary>The format as a manifest records it; null for plain text, which manifests have always meant.</summary>
    public string? ManifestFormat => Format switch
    {
        CorpusFormat.JsonLines => "jsonl",
        CorpusFormat.JsonLinesGzip => "jsonl.gz",
        CorpusFormat.Parquet => "parquet",
        _ => null,
    };
}
