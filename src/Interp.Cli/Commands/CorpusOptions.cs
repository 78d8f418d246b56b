using System.CommandLine;
using Interp.Core.Corpora;

namespace Interp.Cli.Commands;

/// <summary>The corpus flags of the verbs that read one: what <c>--corpus</c> accepts, and <c>--text-field</c>.</summary>
internal static class CorpusOptions
{
    /// <summary>What <c>--corpus</c> accepts, for its description.</summary>
    public const string Accepts = "Corpus files (.txt; .jsonl, .jsonl.gz, .json: JSON lines; .parquet), folders or globs ('data/*.jsonl.gz'), " +
                                  "joined with <|endoftext|> in the order given";

    /// <summary><c>--text-field NAME</c>: the JSON field or Parquet column that holds each document's text.</summary>
    public static Option<string> TextField() => new("--text-field")
    {
        Description = "The JSON field (JSON lines) or column (Parquet) holding each document's text",
        DefaultValueFactory = _ => CorpusInput.DefaultTextField,
    };
}
