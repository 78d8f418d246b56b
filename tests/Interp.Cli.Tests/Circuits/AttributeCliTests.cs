using System.Text.Json;
using Interp.Circuits;
using Interp.Circuits.Attribution;
using Interp.Core.Hooks;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Cli.Tests.Circuits;

/// <summary><c>interp attribute</c> run as a process over transcoder folders written in SAELens's layout.</summary>
public sealed class AttributeCliTests : IClassFixture<AttributeCliTests.Folders>
{
    private const string Prompt = "The cat sat on the mat because it was";
    private readonly Folders _folders;

    public AttributeCliTests(Folders folders) => _folders = folders;

    /// <summary>A run-like <c>transcoders/</c> folder (layer-0 … layer-3, seeded random TopK) and a few wrong ones.</summary>
    public sealed class Folders : IDisposable
    {
        private readonly TempDir _dir = new("interp-attribute-");

        public Folders()
        {
            for (var l = 0; l < 4; l++) Save(Path.Combine(Run, $"layer-{l}"), Transcoder(l, 128));
            Save(ResidPre, new SaeConfig { Architecture = SaeArchitecture.TopK, DIn = 128, DSae = 64, K = 4, HookName = HookName.ResidPre(1) });
            Save(PlainSae, new SaeConfig { Architecture = SaeArchitecture.TopK, DIn = 128, DSae = 64, K = 4, HookName = HookName.Ln2Normalized(1) });
            Save(Layer7, Transcoder(7, 128));
            Save(Narrow, Transcoder(2, 64));
        }

        public string Run => _dir["transcoders"];

        public string ResidPre => _dir["resid-pre"];

        public string Layer7 => _dir["layer7"];

        public string Narrow => _dir["narrow"];

        public string PlainSae => _dir["plain-sae"];

        public string Layer(int l) => Path.Combine(Run, $"layer-{l}");

        private static SaeConfig Transcoder(int layer, int width) => new()
        {
            Architecture = SaeArchitecture.TopK, DIn = width, DOut = width, DSae = 64, K = 4, IsTranscoder = true, ApplyBDecToInput = false,
            HookName = HookName.Ln2Normalized(layer), HookLayer = layer, OutputHookName = HookName.MlpOut(layer),
        };

        private static void Save(string folder, SaeConfig config)
        {
            using var sae = SparseAutoencoder.Create(config, CPU, config.HookLayer);
            sae.Save(folder);
        }

        public void Dispose() => _dir.Dispose();
    }

    [Fact]
    public void Attribute_json_is_a_complete_graph_of_the_prompt_after_bos_with_its_logits_summing_to_their_values()
    {
        var result = InterpProcess.Run("attribute", "--prompt", Prompt, "--transcoders", _folders.Run, "--no-prune", "--threads", "1", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var graph = AttributionGraphJson.Parse(json.RootElement, "stdout");
        Assert.Equal(50256, graph.TokenIds[0]);
        Assert.Equal(["embedding", "feature", "error", "bias", "logit"],
            graph.Nodes.Select(n => AttributionGraphJson.KindName(n.Kind)).Distinct().ToArray());
        var sums = graph.Edges.GroupBy(e => e.Target).ToDictionary(g => g.Key, g => g.Sum(e => e.Weight));
        foreach (var logit in graph.Nodes.Where(n => n.Kind == GraphNodeKind.Logit))
        {
            Assert.Equal(graph.TokenIds.Count - 1, logit.Position);
            Assert.True(Math.Abs(sums[logit.Id] - logit.Value) < 1e-3, $"{logit.Id}: {sums[logit.Id]} vs {logit.Value}");
        }
    }

    [Fact]
    public void Ids_are_taken_as_given_and_the_summary_names_the_top_logits_and_the_strongest_edges_into_the_first()
    {
        using var dir = new TempDir();
        var output = dir["graph.json"];
        var result = InterpProcess.Run("attribute", "--ids", "464,3797,3332,319", "--transcoders",
            _folders.Layer(0), _folders.Layer(1), _folders.Layer(2), _folders.Layer(3), "--out", output, "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("prompt: 4 tokens", result.Stdout);
        Assert.Contains("graph (pruned (node threshold 0.8, edge threshold 0.98)): ", result.Stdout);
        Assert.Contains("top logits (value = logit − mean logit):", result.Stdout);
        Assert.Contains("strongest edges into", result.Stdout);
        var written = AttributionGraphJson.Read(output);
        Assert.Equal([464, 3797, 3332, 319], written.TokenIds);
        Assert.Contains(written.Nodes, n => n.Kind == GraphNodeKind.Logit);
    }

    [Fact]
    public void Transcoders_that_do_not_fit_the_model_are_one_line_each()
    {
        string Error(params string[] transcoders) =>
            InterpProcess.Run(["attribute", "--ids", "1,2,3", "--threads", "1", "--transcoders", .. transcoders]).ErrorLine;

        Assert.Equal("error: no transcoder for layer 3: an attribution graph replaces every MLP (4 layers)",
            Error(_folders.Layer(0), _folders.Layer(1), _folders.Layer(2)));
        Assert.Equal($"error: transcoder {_folders.Layer(0)}: a second transcoder for layer 0 (the first: transcoder {_folders.Run}/layer-0)",
            Error(_folders.Run, _folders.Layer(0)));
        Assert.Equal($"error: SAE {_folders.ResidPre}: hook_name 'blocks.1.hook_resid_pre' is not a transcoder's input (blocks.L.ln2.hook_normalized)",
            Error(_folders.ResidPre));
        Assert.Equal($"error: SAE {_folders.PlainSae}: not a transcoder (it reconstructs its own input, not block 1's MLP output)", Error(_folders.PlainSae));
        Assert.StartsWith($"error: transcoder {_folders.Layer7}: layer 7 does not exist in this model (4 layers)", Error(_folders.Run, _folders.Layer7));
        Assert.StartsWith($"error: transcoder {_folders.Narrow}: d_in=64 does not match hook blocks.2.ln2.hook_normalized", Error(_folders.Narrow));
        Assert.Equal("error: /nonexistent/transcoders: no such transcoder folder", Error("/nonexistent/transcoders"));
        Assert.Equal($"error: {Path.GetDirectoryName(_folders.Run)}: neither a transcoder folder (cfg.json) nor a folder of layer-<L>/ transcoder folders",
            Error(Path.GetDirectoryName(_folders.Run)!));
    }

    [Fact]
    public void Bad_tokens_and_options_are_one_line_naming_the_flag()
    {
        string Error(params string[] args) => InterpProcess.Run(["attribute", "--transcoders", _folders.Run, "--threads", "1", .. args]).ErrorLine;

        Assert.Equal("error: give the tokens with --ids or --prompt (one of them)", Error());
        Assert.Equal("error: give the tokens with --ids or --prompt (one of them)", Error("--ids", "1", "--prompt", "a"));
        Assert.Equal("error: token id 99999 is out of range for vocab_size=50257", Error("--ids", "1,99999"));
        Assert.Equal("error: --ids: 'x' is not an integer token id", Error("--ids", "1,x"));
        Assert.Equal("error: --node-threshold 2: must be between 0 and 1", Error("--ids", "1", "--node-threshold", "2"));
        Assert.Equal("error: --max-logits 0: must be positive", Error("--ids", "1", "--max-logits", "0"));
        Assert.Equal("error: --prompt: the text has no tokens", Error("--prompt", "", "--no-prepend-bos"));
        using var dir = new TempDir();
        Assert.Equal($"error: {dir.Path}: is a folder; give a file name", Error("--ids", "1,2", "--out", dir.Path));
    }
}
