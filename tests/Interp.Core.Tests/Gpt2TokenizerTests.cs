using System.Diagnostics;
using System.Text.Json;
using Interp.Core;
using Interp.Core.Tokenization;
using Xunit.Abstractions;

namespace Interp.Core.Tests;

/// <summary>
/// GPT-2 tokenizer against ids from independent implementations: Fixtures/tokenizer-cases.json was made by
/// Fixtures/make-tokenizer-cases.mjs with the npm packages gpt-3-encoder 1.1.4 (a port of OpenAI's encoder.py) and
/// js-tiktoken (r50k_base), which agree on every case (see the file's "provenance").
/// </summary>
public sealed class Gpt2TokenizerTests(ITestOutputHelper output) : IDisposable
{
    private readonly List<string> _tempDirs = [];

    public void Dispose()
    {
        foreach (string dir in _tempDirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp folder is harmless
            }
        }
    }

    private sealed record FixtureCase(string Name, string Text, int[] Ids, string Decoded);

    private static readonly Lazy<(JsonElement Provenance, Dictionary<string, FixtureCase> Cases)> Fixture = new(LoadFixture);

    private static (JsonElement, Dictionary<string, FixtureCase>) LoadFixture()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizer-cases.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new Dictionary<string, FixtureCase>(StringComparer.Ordinal);
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            // A text that is not valid UTF-16 (lone surrogates) comes as its code units, with the text it decodes to.
            string text = c.TryGetProperty("utf16", out JsonElement units)
                ? new string(units.EnumerateArray().Select(u => (char)u.GetUInt16()).ToArray())
                : c.GetProperty("text").GetString()!;
            string decoded = c.TryGetProperty("decoded", out JsonElement d) ? d.GetString()! : text;
            cases.Add(name, new FixtureCase(name, text, c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(), decoded));
        }
        return (doc.RootElement.GetProperty("provenance").Clone(), cases);
    }

    /// <summary>The fixture's case names, one theory row each.</summary>
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Fixture.Value.Cases.Keys) data.Add(name);
        return data;
    }

    private static Gpt2Tokenizer Tok => Gpt2Tokenizer.Default;

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_fixture_case_encodes_to_the_reference_ids_and_decodes_back_to_its_text(string name)
    {
        FixtureCase c = Fixture.Value.Cases[name];
        Assert.Equal(c.Ids, Tok.Encode(c.Text));
        Assert.Equal(c.Decoded, Tok.Decode(c.Ids));
    }

    [Fact]
    public void The_fixture_has_enough_cases_and_says_how_it_was_made()
    {
        (JsonElement provenance, Dictionary<string, FixtureCase> cases) = Fixture.Value;
        Assert.True(cases.Count >= 40, $"only {cases.Count} cases");
        JsonElement packages = provenance.GetProperty("packages");
        Assert.Equal("1.1.4", packages.GetProperty("gpt-3-encoder").GetString());
        Assert.False(string.IsNullOrEmpty(packages.GetProperty("js-tiktoken").GetString()));
        Assert.Contains("make-tokenizer-cases.mjs", provenance.GetProperty("script").GetString());
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Fixtures", "make-tokenizer-cases.mjs")));
    }

    [Fact]
    public void The_known_check_sentence_gives_the_published_ids()
    {
        Assert.Equal([15496, 995, 11, 428, 318, 402, 11571, 12, 17, 13], Tok.Encode("Hello world, this is GPT-2."));
    }

    [Fact]
    public void The_vocabulary_has_50257_ids_and_end_of_text_is_the_last()
    {
        Assert.Equal(50257, Tok.VocabSize);
        Assert.Equal(50256, Gpt2Tokenizer.EndOfTextId);
        Assert.Equal([Gpt2Tokenizer.EndOfTextId], Tok.Encode(Gpt2Tokenizer.EndOfText));
        Assert.Equal(Gpt2Tokenizer.EndOfText, Tok.TokenString(Gpt2Tokenizer.EndOfTextId));
    }

    [Fact]
    public void The_default_tokenizer_is_loaded_once()
    {
        Assert.Same(Gpt2Tokenizer.Default, Gpt2Tokenizer.Default);
    }

    [Fact]
    public void Token_strings_show_each_token_with_its_leading_space()
    {
        Assert.Equal(" world", Tok.TokenString(995));
        Assert.Equal(" ", Tok.TokenString(220));
        Assert.Equal("\n", Tok.TokenString(198));
        Assert.Equal(["Hello", " world", ",", " this", " is", " G", "PT", "-", "2", "."],
            Tok.TokenStrings(Tok.Encode("Hello world, this is GPT-2.")));
        Assert.Equal(["a", " ", "<|endoftext|>", " b"], Tok.TokenStrings(Tok.Encode("a <|endoftext|> b")));
    }

    [Fact]
    public void A_token_holding_part_of_a_character_shows_as_the_replacement_character()
    {
        int[] ids = Tok.Encode("😀");
        Assert.Equal([47249, 222], ids); // the fixture's "single emoji": the 4 UTF-8 bytes split 3 + 1
        Assert.Equal(["\uFFFD", "\uFFFD"], Tok.TokenStrings(ids));
        Assert.Equal("😀", Tok.Decode(ids));
    }

    [Fact]
    public void Decoding_ids_cut_inside_a_character_gives_the_replacement_character()
    {
        int[] ids = Tok.Encode("a😀b");
        int cut = Array.IndexOf(ids, 222);
        Assert.True(cut > 0);
        string text = Tok.Decode(ids.AsSpan(0, cut));
        Assert.StartsWith("a", text);
        Assert.EndsWith("\uFFFD", text);
        Assert.Equal(string.Empty, Tok.Decode([]));
    }

    [Fact]
    public void An_id_outside_the_vocabulary_fails_naming_the_id()
    {
        var e = Assert.Throws<InterpException>(() => Tok.Decode([15496, 50257]));
        Assert.Contains("50257", e.Message);
        Assert.Throws<InterpException>(() => Tok.TokenString(-1));
    }

    [Fact]
    public void Tiny_shakespeare_encodes_to_the_reference_token_count_and_decodes_back()
    {
        string text = File.ReadAllText(RepoPaths.DataFile("corpora/tinyshakespeare.txt"));
        var tok = Gpt2Tokenizer.FromDirectory(RepoPaths.DataFile("tokenizer/gpt2")); // a fresh one: its cache starts empty
        var clock = Stopwatch.StartNew();
        int[] ids = tok.Encode(text);
        clock.Stop();
        // 338025: what gpt-3-encoder 1.1.4 and js-tiktoken r50k_base both give for this file (their ids agree in full).
        Assert.Equal(338025, ids.Length);
        Assert.Equal(text, tok.Decode(ids));
        output.WriteLine($"encoded {ids.Length} tokens in {clock.Elapsed.TotalMilliseconds:F0} ms " +
                         $"({ids.Length / clock.Elapsed.TotalSeconds / 1e6:F2} M tokens/s, cold cache, Debug build)");
    }

    [Fact]
    public void Encoding_from_many_threads_at_once_gives_the_same_ids_as_one_thread()
    {
        string[] lines = File.ReadAllLines(RepoPaths.DataFile("corpora/tinyshakespeare.txt"))[..4000];
        var tok = Gpt2Tokenizer.FromDirectory(RepoPaths.DataFile("tokenizer/gpt2"));
        int[][] parallel = new int[lines.Length][];
        Parallel.For(0, lines.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = tok.Encode(lines[i]));
        var fresh = Gpt2Tokenizer.FromDirectory(RepoPaths.DataFile("tokenizer/gpt2"));
        for (int i = 0; i < lines.Length; i++) Assert.Equal(fresh.Encode(lines[i]), parallel[i]);
    }

    // ---- bad folders ----

    private string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "interp-tokenizer-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _tempDirs.Add(dir);
        return dir;
    }

    private static string Gpt2File(string name) => Path.Combine(RepoPaths.DataFile("tokenizer/gpt2"), name);

    [Fact]
    public void A_missing_folder_fails_naming_the_folder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "interp-tokenizer-tests", "no-such-folder-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void A_folder_without_vocab_json_fails_naming_vocab_json()
    {
        string dir = TempDir();
        File.Copy(Gpt2File("merges.txt"), Path.Combine(dir, "merges.txt"));
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "vocab.json"), e.Message);
    }

    [Fact]
    public void A_folder_without_merges_txt_fails_naming_merges_txt()
    {
        string dir = TempDir();
        File.Copy(Gpt2File("vocab.json"), Path.Combine(dir, "vocab.json"));
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "merges.txt"), e.Message);
    }

    [Theory]
    [InlineData("{\"a\": 0, \"b\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"a\": \"zero\"}")]
    [InlineData("not json")]
    public void A_vocab_json_that_is_not_a_token_to_id_object_fails_naming_the_file(string json)
    {
        string dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "vocab.json"), json);
        File.Copy(Gpt2File("merges.txt"), Path.Combine(dir, "merges.txt"));
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "vocab.json"), e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_merge_naming_a_token_missing_from_the_vocabulary_fails_naming_the_file_and_line()
    {
        string dir = TempDir();
        File.Copy(Gpt2File("vocab.json"), Path.Combine(dir, "vocab.json"));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nĠ t\nqqzzqq xxjjxx\n");
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "merges.txt") + " line 3", e.Message);
    }

    [Fact]
    public void A_merge_line_without_two_tokens_fails_naming_the_file_and_line()
    {
        string dir = TempDir();
        File.Copy(Gpt2File("vocab.json"), Path.Combine(dir, "vocab.json"));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nĠ t\nĠ a\nĠt\n");
        var e = Assert.Throws<InterpException>(() => Gpt2Tokenizer.FromDirectory(dir));
        Assert.Contains(Path.Combine(dir, "merges.txt") + " line 4", e.Message);
    }

    [Fact]
    public void A_folder_whose_ids_are_not_in_merge_order_still_merges_in_merges_txt_order()
    {
        // Swap the ids of "Ġt" (merge 1, id 256) and "Ġa" (merge 2, id 257): the merges decide how text splits, the
        // vocabulary only what the pieces are called, so " t" and " a" keep their merges and swap their ids.
        string dir = TempDir();
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Gpt2File("vocab.json")))!;
        Assert.Equal(256, vocab["Ġt"]);
        Assert.Equal(257, vocab["Ġa"]);
        (vocab["Ġt"], vocab["Ġa"]) = (257, 256);
        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.Copy(Gpt2File("merges.txt"), Path.Combine(dir, "merges.txt"));
        var swapped = Gpt2Tokenizer.FromDirectory(dir);

        string text = "Hello world, this is GPT-2. a t x";
        int[] expected = Tok.Encode(text).Select(id => id == 256 ? 257 : id == 257 ? 256 : id).ToArray();
        Assert.Equal(expected, swapped.Encode(text));
        Assert.Equal(text, swapped.Decode(expected));
    }
}
