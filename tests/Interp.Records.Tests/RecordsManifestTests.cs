using Interp.Core.Store;
using Interp.Sae;

namespace Interp.Records.Tests;

/// <summary>
/// The records manifest's typed blocks (model, SAE, corpus, sampling options, build) read and write the same JSON as the
/// untyped manifest did: <c>tests/fixtures/records-manifest-v1</c> was written by <see cref="RecordsJob"/> before the
/// blocks were typed (SAE latents over a synthetic store; the temporary folder and repository paths in it were shortened).
/// </summary>
public sealed class RecordsManifestTests
{
    private static string Fixture(string name) => Path.Combine(TestRepo.Root, "tests", "fixtures", "records-manifest-v1", name);

    [Fact]
    public void A_manifest_written_before_the_blocks_were_typed_loads_into_them()
    {
        var manifest = RecordsManifest.Parse(File.ReadAllText(Fixture("manifest.json")), "manifest.json");

        Assert.Equal("/repo/tests/fixtures/tiny-random-gpt2", manifest.Model.Name);
        Assert.Equal("e0d7e737055ae6ff1754a5311b360d4cf16803dc1bae7241f8cb8799585d7509", manifest.Model.WeightsSha256);
        Assert.Equal(5, (int)manifest.Model.Config["n_layer"]!);
        Assert.Equal(new SaeIdentity("/tmp/interp-records-fixture/sae", "f06db747a07b794148763090c3cca425a42220c4b1c2468d9b3b588446a6ca24",
            "standard", 128, 48, "blocks.1.mlp.hook_post"), manifest.Sae);
        Assert.Equal([new CorpusFile("(synthetic)", new string('0', 64), 384)], manifest.Corpus.Files);
        Assert.Equal((384L, "synthetic", (long?)null, false), (manifest.Corpus.StreamTokens, manifest.Corpus.Rule, manifest.Corpus.MaxTokens, manifest.Corpus.PrependBos));
        Assert.Equal((8, 6, 5, 3, 4, 10, 0), (manifest.Options.Window, manifest.Options.PeakOffset, manifest.Options.Top, manifest.Options.BandSamples,
            manifest.Options.Random, manifest.Options.HistogramBins, manifest.Options.Seed));
        Assert.Equal([[0.99, 0.999], [0.9, 0.99], [0.5, 0.9], [0.0, 0.5]], manifest.Options.Bands);
        Assert.Equal(new RecordsBuild("2026-12-02T21:38:32.9932934Z", 1.91, 0, 78033), manifest.Build);
    }

    [Fact]
    public void A_manifest_written_before_the_blocks_were_typed_is_written_back_byte_for_byte_with_the_same_job_key()
    {
        var text = File.ReadAllText(Fixture("manifest.json"));
        var manifest = RecordsManifest.Parse(text, "manifest.json");

        Assert.Equal(text, manifest.ToJson() + "\n");
        Assert.Equal(File.ReadAllText(Fixture("job.json")), manifest.JobKey());
    }

    [Fact]
    public void A_neuron_manifest_with_a_token_limit_round_trips_through_its_json()
    {
        var manifest = TestManifests.Neurons("blocks.0.mlp.hook_post", 512, 7) with
        {
            Corpus = new RecordsCorpus([new CorpusFile("a.txt", new string('a', 64), 90), new CorpusFile("b.txt", new string('b', 64), 10)], 100, "rule",
                MaxTokens: 100, PrependBos: true),
            Options = RecordsSampling.Of(new RecordOptions { Window = 16, Bands = [(0.5, 1.0)], Seed = 9 }),
            Build = new RecordsBuild("2026-01-01T00:00:00.0000000Z", 0.25, 3, 128),
        };
        var json = manifest.ToJson();
        var back = RecordsManifest.Parse(json, "manifest.json");

        Assert.Equal(json, back.ToJson());
        Assert.Null(back.Sae);
        Assert.DoesNotContain("\"sae\"", json, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\": 100,\n    \"prepend_bos\": true", json.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(manifest.Corpus.Files, back.Corpus.Files);
        Assert.Equal((100L, true), (back.Corpus.MaxTokens!.Value, back.Corpus.PrependBos));
        Assert.Equal((16, 12, 9), (back.Options.Window, back.Options.PeakOffset, back.Options.Seed));
        Assert.Equal([[0.5, 1.0]], back.Options.Bands);
        Assert.Equal(manifest.Build, back.Build);
        Assert.Equal(manifest.JobKey(), back.JobKey());
    }

    [Fact]
    public void A_model_block_that_is_not_an_object_is_one_line_naming_the_file()
    {
        var text = File.ReadAllText(Fixture("manifest.json")).Replace("\"model\": {", "\"model\": 5, \"x\": {", StringComparison.Ordinal);
        var e = Assert.Throws<Core.InterpException>(() => RecordsManifest.Parse(text, "manifest.json"));
        Assert.StartsWith("manifest.json: damaged manifest (", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
