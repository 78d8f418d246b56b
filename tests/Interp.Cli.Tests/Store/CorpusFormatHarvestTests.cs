using System.IO.Compression;
using System.Text.Json;
using Interp.Core.Store;
using Parquet;
using Parquet.Schema;

namespace Interp.Cli.Tests.Store;

/// <summary>
/// The real <c>interp harvest</c> over corpora in the forms datasets ship in (issue #16, point 1): each gives the
/// activations of the same text as a <c>.txt</c>, byte for byte, and its manifest says how each file was read.
/// </summary>
public class CorpusFormatHarvestTests
{
    private const string Hook = "blocks.0.hook_resid_pre";

    [Fact]
    public async Task Tiny_shakespeare_as_one_jsonl_line_as_its_gzip_and_as_one_parquet_row_harvests_the_activations_of_the_txt()
    {
        using var dir = new TempDir();
        var txt = TestRepo.Corpus("tinyshakespeare.txt");
        var text = await File.ReadAllTextAsync(txt);
        await File.WriteAllTextAsync(dir["one.jsonl"], JsonSerializer.Serialize(new { text }) + "\n");
        await using (var input = File.OpenRead(dir["one.jsonl"]))
        await using (var gzip = new GZipStream(File.Create(dir["one.jsonl.gz"]), CompressionLevel.Fastest))
            await input.CopyToAsync(gzip);
        await WriteParquet(dir["one.parquet"], [text]);

        Harvest(dir["from-txt"], txt);
        foreach (var (name, format) in new[] { ("one.jsonl", "jsonl"), ("one.jsonl.gz", "jsonl.gz"), ("one.parquet", "parquet") })
        {
            var manifest = Harvest(dir[$"from-{name}"], dir[name]);
            AssertSameActivations(dir["from-txt"], dir[$"from-{name}"]);
            var file = Assert.Single(manifest.Corpus.Files);
            Assert.Equal((dir[name], StoreAssert.Sha256(dir[name])), (file.Name, file.Sha256));
            Assert.Equal((format, "text"), (file.Format!, file.TextField!));
        }
    }

    [Fact]
    public async Task Several_jsonl_documents_harvest_as_a_txt_of_them_joined_with_endoftext_and_a_folder_as_its_files_in_order()
    {
        using var dir = new TempDir();
        var paragraphs = (await File.ReadAllTextAsync(TestRepo.Corpus("tinyshakespeare.txt"))).Split("\n\n")[..60];
        var documents = paragraphs.Chunk(20).Select(part => string.Join("\n\n", part)).ToArray();
        await File.WriteAllTextAsync(dir["joined.txt"], string.Join("<|endoftext|>", documents));
        await File.WriteAllLinesAsync(dir["docs.jsonl"], documents.Select(d => JsonSerializer.Serialize(new { id = d.Length, text = d, copy = d })));
        var folder = Directory.CreateDirectory(dir["folder"]).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "1.txt"), documents[0]);
        await File.WriteAllLinesAsync(Path.Combine(folder, "2.jsonl"), [JsonSerializer.Serialize(new { text = documents[1] })]);
        await WriteParquet(Path.Combine(folder, "3.parquet"), [documents[2]]);

        // Every document boundary is inside the harvest: all of the corpus (about 3,000 tokens) is harvested.
        Harvest(dir["from-txt"], dir["joined.txt"], whole: true);
        Harvest(dir["from-jsonl"], dir["docs.jsonl"], whole: true);
        AssertSameActivations(dir["from-txt"], dir["from-jsonl"]);
        // The same bytes read from another field are another corpus: a resume into that store is refused.
        var other = Run(dir["from-jsonl"], dir["docs.jsonl"], whole: true, "--text-field", "copy").ErrorLine;
        Assert.Contains($"this store was harvested with corpus {dir["docs.jsonl"]} (", other);
        Assert.Contains("jsonl field 'text') (this run: ", other);
        Assert.Contains("jsonl field 'copy'))", other);

        var fromFolder = Harvest(dir["from-folder"], folder, whole: true);
        Assert.Equal(["1.txt", "2.jsonl", "3.parquet"], fromFolder.Corpus.Files.Select(f => Path.GetFileName(f.Name)));
        AssertSameActivations(dir["from-txt"], dir["from-folder"]);
    }

    /// <summary>Harvests <paramref name="corpus"/>: its first 4,096 tokens, or all of it when <paramref name="whole"/>.</summary>
    private static ActivationManifest Harvest(string output, string corpus, bool whole = false)
    {
        var run = Run(output, corpus, whole);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return ActivationManifest.Load(Path.Combine(output, Hook));
    }

    private static InterpProcess.Result Run(string output, string corpus, bool whole, params string[] extra) =>
        InterpProcess.Run(["harvest", "--model", TokenizerGpt2.Folder, "--corpus", corpus, "--hook", Hook, "--ctx", "64",
            .. (whole ? [] : new[] { "--tokens", "4096" }), "--threads", "1", "--out", output, .. extra]);

    /// <summary>Byte-identical shards (the manifests differ in how the corpus was read).</summary>
    private static void AssertSameActivations(string expectedRoot, string actualRoot)
    {
        var (expected, actual) = (Path.Combine(expectedRoot, Hook), Path.Combine(actualRoot, Hook));
        var shards = StoreAssert.Files(expected).Where(f => f.EndsWith(".parquet", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(shards);
        Assert.Equal(shards, StoreAssert.Files(actual).Where(f => f.EndsWith(".parquet", StringComparison.Ordinal)));
        foreach (var shard in shards)
            Assert.True(StoreAssert.Sha256(Path.Combine(expected, shard)) == StoreAssert.Sha256(Path.Combine(actual, shard)), $"{shard} differs: {actualRoot}");
        Assert.Equal(ActivationManifest.Load(expected).Corpus.StreamTokens, ActivationManifest.Load(actual).Corpus.StreamTokens);
    }

    /// <summary>A Parquet file with one string column <paramref name="column"/>, one row per document.</summary>
    internal static async Task WriteParquet(string path, IReadOnlyCollection<string> documents, string column = "text")
    {
        var field = new DataField<string>(column);
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), file);
        using var rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync(field, documents, null);
    }
}
