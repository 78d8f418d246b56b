using Interp.Core.Tokenization;

namespace Interp.Core.Corpora;

/// <summary>
/// The documents of one corpus file, read in order as the tokenizer takes them: a text file is one document, a JSON-lines
/// file one per line, a Parquet file one per row. Empty documents are left out. Nothing holds more than one document (or
/// one Parquet row group's column) at a time.
/// </summary>
public abstract class CorpusDocuments : IDisposable
{
    /// <summary>Opens <paramref name="input"/>; <paramref name="textField"/> names the JSON field or Parquet column of the text.</summary>
    /// <exception cref="InterpException">The file cannot be read, or (Parquet) has no string column <paramref name="textField"/>.</exception>
    public static CorpusDocuments Open(CorpusInput input, string textField)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (string.IsNullOrEmpty(textField))
            throw new InvalidOptionException(n => $"{n("TextField")} '{textField}': must name a JSON field or Parquet column", _ => "text field");
        return input.Format switch
        {
            CorpusFormat.Text => new TextDocument(CorpusTextFile.Open(input.Path)),
            CorpusFormat.JsonLines => new JsonLinesDocuments(CorpusTextFile.Open(input.Path), textField),
            CorpusFormat.JsonLinesGzip => new JsonLinesDocuments(CorpusTextFile.Open(input.Path, gzip: true), textField),
            _ => ParquetDocuments.Open(input.Path, textField),
        };
    }

    /// <summary>The non-empty documents, in order; stop enumerating to stop reading.</summary>
    /// <exception cref="InterpException">A line or row that is not a document (the message names the file and the line or row).</exception>
    public abstract IEnumerable<TextReader> Read();

    /// <summary>One line saying how much of the file was not valid UTF-8 (see <see cref="CorpusTextFile.ReplacementWarning"/>); null when all was.</summary>
    public virtual string? ReplacementWarning() => null;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    /// <summary>A text file: the whole file is one document.</summary>
    private sealed class TextDocument(CorpusTextFile file) : CorpusDocuments
    {
        public override IEnumerable<TextReader> Read()
        {
            if (file.Reader.Peek() >= 0) yield return file.Reader;
        }

        public override string? ReplacementWarning() => file.ReplacementWarning();

        protected override void Dispose(bool disposing) => file.Dispose();
    }
}
