using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Import;
using Interp.AutoInterp.Simulate;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests.Import;

/// <summary>Each format's reader, format detection, the unit mapping table, and the pattern grammar read back.</summary>
public class ImportFormatTests
{
    private static UnitId U(string source, int index) => new(source, index);

    [Fact]
    public void A_delphi_folder_is_detected_and_its_modules_map_to_the_records_units()
    {
        using var dir = new Synthetic.TempDir();
        var folder = Path.Combine(dir.Path, "explanations");
        Directory.CreateDirectory(folder);
        void Write(string name, string content) => File.WriteAllText(Path.Combine(folder, name), content);
        Write("layers.0.mlp_latent3.txt", JsonSerializer.Serialize("the word \"the\""));
        Write("transformer.h.0.mlp_latent5.txt", JsonSerializer.Serialize("numbers and digits"));
        Write("model.layers.1_latent7.txt", JsonSerializer.Serialize("capitalised names"));
        Write("layers.9.mlp_latent1.txt", JsonSerializer.Serialize("unknown layer"));
        Write("layers.0.mlp_latent4.txt", "not a json string");
        Write("notes.txt", "hello");
        File.WriteAllText(Path.Combine(dir.Path, "README.md"), "not read");

        Assert.Equal(ExplanationFormat.Delphi, FormatDetector.Detect(folder));
        Assert.Equal(ExplanationFormat.Delphi, FormatDetector.Detect(Path.Combine(folder, "layers.0.mlp_latent3.txt")));
        var known = new[] { U("blocks.0.mlp.hook_post", 3), U("blocks.0.mlp.hook_post", 5), U("sae:blocks.1.hook_resid_post", 7) };
        var import = ExplanationImport.Read(folder, ExplanationFormat.Auto, known);
        Assert.Equal(ExplanationFormat.Delphi, import.Format);
        Assert.Equal([("blocks.0.mlp.hook_post/3", "the word \"the\""), ("blocks.0.mlp.hook_post/5", "numbers and digits"), ("sae:blocks.1.hook_resid_post/7", "capitalised names")],
            import.Explanations.Select(e => (e.Unit.ToString(), e.Text)).OrderBy(x => x.Item1, StringComparer.Ordinal));
        Assert.All(import.Explanations, e => Assert.Equal("explanations", e.Source));
        Assert.Equal(["layers.9.mlp_latent1"], import.UnknownUnits);
        Assert.Equal(2, import.Malformed.Count);
        Assert.Contains(import.Malformed, m => m.StartsWith(Path.Combine(folder, "layers.0.mlp_latent4.txt") + ": not a JSON string"));
        Assert.Contains(import.Malformed, m => m.StartsWith(Path.Combine(folder, "notes.txt") + ": not named"));
    }

    [Fact]
    public void OpenAIs_per_neuron_folder_is_detected_and_read_in_layer_then_neuron_order()
    {
        using var dir = new Synthetic.TempDir();
        var folder = Path.Combine(dir.Path, "explanations");
        void Write(int layer, string name, int neuron, string explanation)
        {
            Directory.CreateDirectory(Path.Combine(folder, layer.ToString()));
            var line = new { neuron_id = new { layer_index = layer, neuron_index = neuron }, scored_explanations = new[] { new { explanation, scored_simulation = (object?)null } } };
            File.WriteAllText(Path.Combine(folder, layer.ToString(), name), JsonSerializer.Serialize(line) + "\n");
        }
        Write(1, "17.jsonl", 17, "seventeen");
        Write(1, "2.jsonl", 2, "two");                                                   // 2 before 17: numbers, not names
        Write(0, "3.jsonl", 3, "three");
        Write(0, "notes.jsonl", 9, "not a neuron's file");                               // not <neuron>.jsonl: not read
        Directory.CreateDirectory(Path.Combine(folder, "misc"));

        Assert.Equal(ExplanationFormat.OpenAi, FormatDetector.Detect(folder));
        var known = new[] { U("blocks.0.mlp.hook_post", 3), U("blocks.1.mlp.hook_post", 2), U("blocks.1.mlp.hook_post", 17) };
        var import = ExplanationImport.Read(folder, ExplanationFormat.Auto, known);
        Assert.Equal(ExplanationFormat.OpenAi, import.Format);
        Assert.Equal([("blocks.0.mlp.hook_post/3", "three"), ("blocks.1.mlp.hook_post/2", "two"), ("blocks.1.mlp.hook_post/17", "seventeen")],
            import.Explanations.Select(e => (e.Unit.ToString(), e.Text)));
        Assert.Empty(import.Malformed);

        var empty = Path.Combine(dir.Path, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<InterpException>(() => FormatDetector.Detect(empty));
        Assert.Contains("<layer>/<neuron>.jsonl", e.Message);
    }

    [Fact]
    public void Neuronpedia_exports_read_as_gzip_json_lines_and_as_one_json_array()
    {
        using var dir = new Synthetic.TempDir();
        object Item(string layer, string index, string description) => new { modelId = "gpt2-small", layer, index, description, typeName = "oai_token-act-pair", explanationModelName = "gpt-4o-mini" };
        var items = new[] { Item("6-res-jb", "204", "time-related phrases"), Item("6-res-jb", "7", "the word of"), Item("3-att-kk", "1", "names") };
        var gz = Path.Combine(dir.Path, "batch-0.jsonl.gz");
        using (var file = File.Create(gz))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            zip.Write(Encoding.UTF8.GetBytes(string.Join("\n", items.Select(i => JsonSerializer.Serialize(i))) + "\n"));
        var array = Path.Combine(dir.Path, "export.json");
        File.WriteAllText(array, JsonSerializer.Serialize(items));

        var known = new[] { U("sae:blocks.6.hook_resid_pre", 204), U("sae:blocks.6.hook_resid_pre", 7) };
        foreach (var path in new[] { gz, array })
        {
            Assert.Equal(ExplanationFormat.Neuronpedia, FormatDetector.Detect(path));
            var import = ExplanationImport.Read(path, ExplanationFormat.Auto, known);
            Assert.Equal(["sae:blocks.6.hook_resid_pre/204", "sae:blocks.6.hook_resid_pre/7"], import.Explanations.Select(e => e.Unit.ToString()));
            Assert.Equal(["3-att-kk/1"], import.UnknownUnits);
            Assert.Empty(import.Malformed);
        }
    }

    [Fact]
    public void Openai_lines_give_every_scored_explanation_of_a_neuron_and_name_bad_lines()
    {
        using var dir = new Synthetic.TempDir();
        var file = Path.Combine(dir.Path, "explanations.jsonl");
        string Neuron(int layer, int neuron, params string[] explanations) => JsonSerializer.Serialize(new
        {
            dataclass_name = "NeuronSimulationResults",
            neuron_id = new { dataclass_name = "NeuronId", layer_index = layer, neuron_index = neuron },
            scored_explanations = explanations.Select(e => new { dataclass_name = "ScoredExplanation", explanation = e, scored_simulation = (object?)null }),
        });
        File.WriteAllLines(file, [Neuron(1, 17, "commas", "punctuation in lists"), """{"neuron_id": {"layer_index": 1}}""", Neuron(4, 2, "x")]);
        var import = ExplanationImport.Read(file, ExplanationFormat.Auto, [U("blocks.1.mlp.hook_post", 17)]);
        Assert.Equal(ExplanationFormat.OpenAi, import.Format);
        Assert.Equal(["commas", "punctuation in lists"], import.Explanations.Select(e => e.Text));
        Assert.All(import.Explanations, e => Assert.Equal("blocks.1.mlp.hook_post/17", e.Unit.ToString()));
        Assert.Equal([$"{file}:2: no neuron_id with integer layer_index and neuron_index"], import.Malformed);
        Assert.Equal(["layer 4 neuron 2"], import.UnknownUnits);
    }

    [Fact]
    public void A_file_whose_format_cannot_be_told_is_one_clear_error()
    {
        using var dir = new Synthetic.TempDir();
        var file = Path.Combine(dir.Path, "what.jsonl");
        File.WriteAllLines(file, ["""{"a": 1}""", "nonsense"]);
        var e = Assert.Throws<InterpException>(() => FormatDetector.Detect(file));
        Assert.StartsWith($"{file}: cannot tell the explanations' format", e.Message);
        Assert.Equal($"{Path.Combine(dir.Path, "none")}: no such file or folder",
            Assert.Throws<InterpException>(() => ExplanationImport.Read(Path.Combine(dir.Path, "none"), ExplanationFormat.Auto, [])).Message);
    }

    [Theory]
    [InlineData("layers.3.mlp", "blocks.3.mlp.hook_post,sae:blocks.3.hook_mlp_out,sae:blocks.3.mlp.hook_post")]
    [InlineData("transformer.h.3.mlp", "blocks.3.mlp.hook_post,sae:blocks.3.hook_mlp_out,sae:blocks.3.mlp.hook_post")]
    [InlineData("model.layers.3", "sae:blocks.3.hook_resid_post")]
    [InlineData(".model.layers.3.self_attn", "sae:blocks.3.hook_attn_out,sae:blocks.3.attn.hook_z")]
    [InlineData("blocks.3.hook_resid_pre", "sae:blocks.3.hook_resid_pre,blocks.3.hook_resid_pre")]
    [InlineData("blocks.3.mlp.hook_post", "blocks.3.mlp.hook_post,sae:blocks.3.mlp.hook_post")]
    [InlineData("sae:blocks.2.hook_resid_pre", "sae:blocks.2.hook_resid_pre")]
    [InlineData("encoder.3", "")]
    public void Delphi_modules_map_to_interp_unit_sources(string module, string sources) =>
        Assert.Equal(sources, string.Join(",", UnitMapping.Delphi(module, 0).Candidates.Select(c => c.Source)));

    [Fact]
    public void Openai_neurons_are_mlp_neurons_and_the_first_source_the_records_have_is_chosen()
    {
        Assert.Equal(U("blocks.5.mlp.hook_post", 131), Assert.Single(UnitMapping.OpenAi(5, 131).Candidates));
        var mlp = UnitMapping.Delphi("layers.3.mlp", 9);
        Assert.Equal(U("sae:blocks.3.hook_mlp_out", 9), mlp.Resolve(new HashSet<UnitId> { U("sae:blocks.3.hook_mlp_out", 9) }));
        Assert.Null(mlp.Resolve(new HashSet<UnitId> { U("blocks.3.mlp.hook_post", 8) }));
        Assert.Equal("sae:blocks.6.hook_resid_post", UnitMapping.Neuronpedia("6-res_post_32k-oai", 1).Candidates[0].Source);
    }

    [Fact]
    public void The_offline_explainers_sentences_read_back_as_the_same_rules()
    {
        var explainer = new PatternExplainer();
        foreach (var (record, _) in SyntheticUnits.Family(Synthetic.Corpus, 12))
        {
            var explanation = explainer.Explain(RecordSplitsTrain(record));
            var read = PatternGrammar.Parse(explanation.Text);
            Assert.NotNull(read);
            Assert.Equal(explanation.Pattern!.Rules.Select(r => (r.Token, string.Join("|", r.Context))), read.Rules.Select(r => (r.Token, string.Join("|", r.Context))));
            Assert.Equal(explanation.Text, read.Describe());
        }
        Assert.Equal(new TokenMatcher(MatchKind.Exact, "say \"hi\"\n"), PatternGrammar.Parse("fires on \"say \\\"hi\\\"\\n\"")!.Rules[0].Token);
        Assert.Null(PatternGrammar.Parse("the word \"the\" in legal text"));
        Assert.Null(PatternGrammar.Parse("fires on \" the\" and more"));
    }

    [Fact]
    public async Task The_lexical_baseline_fires_on_the_tokens_the_explanation_names()
    {
        var sims = await new LexicalSimulator().SimulateAsync(new Explanation("Mentions of Paris or London"),
            [new ActivationRecord([1, 2, 3, 4, 5], ["I", " love", " paris", " and", " LONDON"], [0, 0, 1, 0, 1])], CancellationToken.None);
        Assert.Equal([0f, 0f, 10f, 0f, 10f], Assert.Single(sims).Expected);
        // Quoted strings, when there are any, are all it reads.
        Assert.Equal(["the"], LexicalPattern.Read("the token \" the\" in legal text").Rules.Select(r => r.Token.Value));
        Assert.Empty(LexicalPattern.Read("the of a").Rules);
    }

    private static IReadOnlyList<ActivationRecord> RecordSplitsTrain(UnitRecord record) => Score.RecordSplits.Of(record).Train;
}
