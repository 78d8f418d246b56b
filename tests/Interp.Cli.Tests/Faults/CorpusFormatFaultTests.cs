using System.Text;
using Interp.Cli.Tests.Store;
using Parquet;
using Parquet.Schema;

namespace Interp.Cli.Tests.Faults;

/// <summary>
/// Corpus files a harvest cannot read as documents (issue #16, point 1): each refused with one line naming the file and,
/// where there is one, the line or row; nothing is written.
/// </summary>
public class CorpusFormatFaultTests
{
    [Theory]
    [InlineData("invalid-json", "bad.jsonl: line 2: not valid JSON (")]
    [InlineData("not-an-object", "bad.jsonl: line 1: a JSON array, not an object")]
    [InlineData("no-text-field", "bad.jsonl: line 2: no field 'text' (--text-field); the line has 'content', 'id'")]
    [InlineData("field-not-a-string", "bad.jsonl: line 1: field 'text' is a number, not a string")]
    [InlineData("damaged-gzip", "bad.jsonl.gz: not readable as gzip (")]
    [InlineData("parquet-without-column", "bad.parquet: no column 'text' (--text-field); the file has 'content'")]
    [InlineData("parquet-column-not-strings", "bad.parquet: column 'text' holds Int32, not strings")]
    [InlineData("parquet-null-row", "bad.parquet: row 2: column 'text' is null, not a string")]
    [InlineData("unknown-extension", "bad.csv: unknown corpus file kind '.csv': expected .txt, .jsonl")]
    [InlineData("glob-matching-nothing", "*.jsonl.gz: no corpus file matches")]
    [InlineData("folder-matching-nothing", "empty: folder holds no corpus files (")]
    public async Task A_corpus_that_is_not_documents_is_refused_in_one_line_naming_the_file_and_line_or_row(string fault, string expected)
    {
        using var dir = new TempDir();
        var corpus = await Write(dir, fault);

        var error = InterpProcess.Run("harvest", "--model", TokenizerGpt2.Folder, "--corpus", corpus, "--hook", "blocks.0.hook_resid_pre",
            "--ctx", "16", "--tokens", "64", "--threads", "1", "--out", dir["store"]).ErrorLine;

        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.Contains(dir.Path, error);
        Assert.False(Directory.Exists(dir["store"]), "nothing is written");
    }

    private static async Task<string> Write(TempDir dir, string fault)
    {
        const string good = "{\"text\": \"Before we proceed any further, hear me speak.\"}";
        switch (fault)
        {
            case "invalid-json": return await Text(dir["bad.jsonl"], good + "\n{\"text\": \"unterminated}\n");
            case "not-an-object": return await Text(dir["bad.jsonl"], "[\"text\"]\n");
            case "no-text-field": return await Text(dir["bad.jsonl"], good + "\n{\"content\": \"x\", \"id\": 2}\n");
            case "field-not-a-string": return await Text(dir["bad.jsonl"], "{\"text\": 5}\n");
            case "damaged-gzip":
                var bytes = new byte[64];
                (bytes[0], bytes[1], bytes[2]) = (0x1f, 0x8b, 8);   // a gzip header, then a deflate block of the reserved type 11
                bytes[10] = 0b111;
                await File.WriteAllBytesAsync(dir["bad.jsonl.gz"], bytes);
                return dir["bad.jsonl.gz"];
            case "parquet-without-column":
                await CorpusFormatHarvestTests.WriteParquet(dir["bad.parquet"], ["some text"], column: "content");
                return dir["bad.parquet"];
            case "parquet-column-not-strings":
                var numbers = new DataField<int>("text");
                await using (var file = File.Create(dir["bad.parquet"]))
                await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(numbers), file))
                {
                    using var rowGroup = writer.CreateRowGroup();
                    await rowGroup.WriteAsync<int>(numbers, new[] { 1, 2 }.AsMemory());
                }
                return dir["bad.parquet"];
            case "parquet-null-row":
                await CorpusFormatHarvestTests.WriteParquet(dir["bad.parquet"], ["some text", null!, "more"]);
                return dir["bad.parquet"];
            case "unknown-extension": return await Text(dir["bad.csv"], "text\nsome text\n");
            case "glob-matching-nothing":
                await Text(dir["other.jsonl"], good + "\n");   // a .jsonl, not a .jsonl.gz
                return Path.Combine(dir.Path, "*.jsonl.gz");
            default:
                Directory.CreateDirectory(dir["empty"]);
                await Text(Path.Combine(dir["empty"], "README.md"), "# a dataset card, not a corpus file\n");
                return dir["empty"];
        }
    }

    private static async Task<string> Text(string path, string text)
    {
        await File.WriteAllTextAsync(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
