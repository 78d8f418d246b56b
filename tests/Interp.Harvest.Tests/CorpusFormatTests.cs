using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Interp.Core.Corpora;
using Interp.Core.Tokenization;
using Interp.Model.Harvest;
using Parquet;
using Parquet.Schema;

namespace Interp.Harvest.Tests;

/// <summary>
/// Corpora in the forms datasets ship in (issue #16, point 1): JSON lines (plain and gzip), Parquet, folders and globs
/// give the token stream of the same documents as text joined with &lt;|endoftext|&gt;, and the manifest says how each
/// file was read.
/// </summary>
public class CorpusFormatTests
{
    // Documents that meet JSON's escapes and the tokenizer's edges: quotes, backslashes, newlines, non-BMP letters,
    // leading and trailing whitespace, a literal <|endoftext|>.
    private static readonly string[] Documents =
    [
        "First Citizen:\nBefore we proceed any further, hear me speak.\n",
        "  \"Quoted\", back\\slash and tab\there; caf\u00e9, \u65e5\u672c\u8a9e, \U0001F600 ",
        "a document with a literal <|endoftext|> inside",
        "Last one, no newline at the end",
    ];

    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    [Fact]
    public void A_jsonl_line_holding_the_whole_of_tiny_shakespeare_and_its_gzip_and_parquet_give_the_ids_of_the_txt()
    {
        using var dir = new TempDir();
        var txt = TestRepo.Corpus("tinyshakespeare.txt");
        var text = File.ReadAllText(txt);
        WriteJsonLines(dir["one.jsonl"], [text]);
        Gzip(dir["one.jsonl"], dir["one.jsonl.gz"]);
        WriteParquetWithDuckDb(dir["one.parquet"], [text]);

        var (expected, _) = ContextBuilder.Tokenize([txt], Tokenizer);
        foreach (var (name, format) in new[] { ("one.jsonl", "jsonl"), ("one.jsonl.gz", "jsonl.gz"), ("one.parquet", "parquet") })
        {
            var (stream, files) = ContextBuilder.Tokenize([dir[name]], Tokenizer);
            Assert.True(expected.AsSpan().SequenceEqual(stream), $"{name}: ids differ from the .txt's");
            var file = Assert.Single(files);
            Assert.Equal((dir[name], StoreAssert.Sha256(dir[name]), (long)expected.Length), (file.Name, file.Sha256, file.Tokens));
            Assert.Equal((format, "text"), (file.Format!, file.TextField!));
        }
    }

    [Fact]
    public void Several_documents_in_json_lines_or_parquet_equal_a_txt_of_them_joined_with_endoftext()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["joined.txt"], string.Join("<|endoftext|>", Documents));
        // Another field first, an empty document and a blank line: both left out.
        File.WriteAllText(dir["docs.jsonl"], string.Join("\n", Documents.Take(2).Select(Line)) + "\n" + Line("") + "\n\n" +
                                             string.Join("\n", Documents.Skip(2).Select(Line)) + "\n");
        WriteParquetWithDuckDb(dir["docs.parquet"], [.. Documents.Take(1), "", .. Documents.Skip(1)]);

        var (expected, _) = ContextBuilder.Tokenize([dir["joined.txt"]], Tokenizer);
        foreach (var name in new[] { "docs.jsonl", "docs.parquet" })
        {
            var (stream, files) = ContextBuilder.Tokenize([dir[name]], Tokenizer);
            Assert.Equal(expected, stream);
            Assert.Equal((long)expected.Length, Assert.Single(files).Tokens);   // the separators between its documents are the file's
            var (first, _) = ContextBuilder.Tokenize([dir[name]], Tokenizer, maxStreamTokens: 20);
            Assert.Equal(expected[..20], first);
        }

        // The manifest's rule says how documents were read; a text corpus keeps the rule it always had.
        var contexts = ContextBuilder.FromFiles([dir["docs.jsonl"]], Tokenizer, ctx: 8, prependBos: false);
        Assert.Equal($"{ContextBuilder.Rule} {ContextBuilder.DocumentRule}", contexts.Record.Rule);
        Assert.Equal(ContextBuilder.Rule, ContextBuilder.FromFiles([dir["joined.txt"]], Tokenizer, ctx: 8, prependBos: false).Record.Rule);
    }

    [Fact]
    public void Another_text_field_is_read_and_recorded()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir["docs.jsonl"], Documents.Select(d => JsonSerializer.Serialize(new Dictionary<string, object> { ["text"] = 7, ["body"] = d })));
        var (expected, _) = ContextBuilder.Tokenize([WriteText(dir["joined.txt"], string.Join("<|endoftext|>", Documents))], Tokenizer);

        var (stream, files) = ContextBuilder.Tokenize([dir["docs.jsonl"]], Tokenizer, textField: "body");

        Assert.Equal(expected, stream);
        Assert.Equal("body", Assert.Single(files).TextField);
    }

    [Fact]
    public async Task A_parquet_file_of_several_row_groups_is_read_in_row_order()
    {
        using var dir = new TempDir();
        var (id, field) = (new DataField<int>("id"), new DataField<string>("text"));
        await using (var file = File.Create(dir["groups.parquet"]))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, field), file))
        {
            for (var group = 0; group < Documents.Length; group += 2)
            {
                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync<int>(id, new[] { group, group + 1 }.AsMemory());
                await rowGroup.WriteAsync(field, (IReadOnlyCollection<string>)Documents[group..(group + 2)], null);
            }
        }
        var (expected, _) = ContextBuilder.Tokenize([WriteText(dir["joined.txt"], string.Join("<|endoftext|>", Documents))], Tokenizer);

        await using (var reader = await ParquetReader.CreateAsync(dir["groups.parquet"])) Assert.Equal(2, reader.RowGroupCount);
        Assert.Equal(expected, ContextBuilder.Tokenize([dir["groups.parquet"]], Tokenizer).Stream);
    }

    [Fact]
    public void A_folder_is_its_corpus_files_in_name_order_and_a_glob_its_matches()
    {
        using var dir = new TempDir();
        var folder = Directory.CreateDirectory(dir["data"]).FullName;
        WriteText(Path.Combine(folder, "b.txt"), Documents[1]);
        WriteJsonLines(Path.Combine(folder, "a.jsonl"), [Documents[0]]);
        WriteJsonLines(Path.Combine(folder, "B.jsonl"), [Documents[2]]);      // ordinal order: upper case first
        WriteParquetWithDuckDb(Path.Combine(folder, "c.parquet"), [Documents[3]]);
        File.WriteAllText(Path.Combine(folder, "README.md"), "# not a corpus file: left out");
        string[] inOrder = ["B.jsonl", "a.jsonl", "b.txt", "c.parquet"];

        var (expected, expectedFiles) = ContextBuilder.Tokenize(inOrder.Select(f => Path.Combine(folder, f)).ToArray(), Tokenizer);
        var (stream, files) = ContextBuilder.Tokenize([folder], Tokenizer);

        Assert.Equal(expected, stream);
        Assert.Equal(expectedFiles, files);
        Assert.Equal(inOrder.Select(f => Path.Combine(folder, f)), files.Select(f => f.Name));
        Assert.Equal(["b.txt", "c.parquet"], CorpusInputs.Expand([Path.Combine(folder, "?.*t")]).Select(i => Path.GetFileName(i.Path)));
        Assert.Equal(
            ContextBuilder.Tokenize([Path.Combine(folder, "B.jsonl"), Path.Combine(folder, "a.jsonl")], Tokenizer).Stream,
            ContextBuilder.Tokenize([Path.Combine(folder, "*.jsonl")], Tokenizer).Stream);
    }

    [Fact]
    public void A_jsonl_gz_is_streamed_through_gzip_and_equals_its_jsonl()
    {
        using var dir = new TempDir();
        WriteJsonLines(dir["docs.jsonl"], Documents);
        Gzip(dir["docs.jsonl"], dir["docs.json.gz"]);
        File.Copy(dir["docs.jsonl"], dir["docs.json"]);

        var (expected, _) = ContextBuilder.Tokenize([dir["docs.jsonl"]], Tokenizer);
        Assert.Equal(expected, ContextBuilder.Tokenize([dir["docs.json.gz"]], Tokenizer).Stream);
        Assert.Equal(expected, ContextBuilder.Tokenize([dir["docs.json"]], Tokenizer).Stream);
        Assert.Equal(CorpusFormat.JsonLinesGzip, Assert.Single(CorpusInputs.Expand([dir["docs.json.gz"]])).Format);
    }

    [Fact]
    public void A_json_lines_file_is_read_only_as_far_as_the_tokens_asked_for_and_still_hashed_whole()
    {
        using var dir = new TempDir();
        // Line 3 is not JSON: reading stops before it when the first two documents give the tokens asked for.
        File.WriteAllText(dir["docs.jsonl"], Line(Documents[0]) + "\n" + Line(Documents[1]) + "\n{ not json\n");
        var (expected, _) = ContextBuilder.Tokenize([WriteText(dir["two.txt"], Documents[0] + "<|endoftext|>" + Documents[1])], Tokenizer);

        var (stream, files) = ContextBuilder.Tokenize([dir["docs.jsonl"]], Tokenizer, maxStreamTokens: expected.Length);

        Assert.Equal(expected, stream);
        Assert.Equal(StoreAssert.Sha256(dir["docs.jsonl"]), Assert.Single(files).Sha256);
        Assert.Contains("line 3: not valid JSON", Assert.ThrowsAny<Core.InterpException>(() => ContextBuilder.Tokenize([dir["docs.jsonl"]], Tokenizer)).Message);
    }

    private static string Line(string text) => JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = text.Length, ["text"] = text });

    private static void WriteJsonLines(string path, IEnumerable<string> documents) => File.WriteAllLines(path, documents.Select(Line));

    private static string WriteText(string path, string text)
    {
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    private static void Gzip(string from, string to)
    {
        using var input = File.OpenRead(from);
        using var output = new GZipStream(File.Create(to), CompressionLevel.Optimal);
        input.CopyTo(output);
    }

    /// <summary>A Parquet file written by DuckDB, a writer independent of the reader under test: one row per document.</summary>
    private static void WriteParquetWithDuckDb(string path, IReadOnlyList<string> documents)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE docs(i INTEGER, text VARCHAR)";
            create.ExecuteNonQuery();
        }
        for (var i = 0; i < documents.Count; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO docs VALUES ($1, $2)";
            insert.Parameters.Add(new DuckDBParameter(i));
            insert.Parameters.Add(new DuckDBParameter(documents[i]));
            insert.ExecuteNonQuery();
        }
        using var copy = connection.CreateCommand();
        copy.CommandText = $"COPY (SELECT i, text FROM docs ORDER BY i) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)";
        copy.ExecuteNonQuery();
    }
}
