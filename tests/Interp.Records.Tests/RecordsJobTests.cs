using Interp.Records;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model;
using Interp.Model.Harvest;
using Interp.Sae;
using static TorchSharp.torch;

namespace Interp.Records.Tests;

/// <summary>
/// <c>interp records</c> as a library call (<see cref="RecordsJob"/>): logit effects and neighbours against a direct
/// TorchSharp computation, SAE latents, resume after an interruption, the model-over-corpus form, and bad input.
/// </summary>
public sealed class RecordsJobTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private RecordsJobOptions Job(string activations, string? sae = null, string units = "all") => new()
    {
        Activations = activations, Sae = sae, Units = units, OutDirectory = _temp["records"], Sampling = Build.Options(),
    };

    private static Dictionary<string, Tensor> Weights(Gpt2 model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());

    // ln_f removes the mean over d_model; TL's center_unembed removes wte's mean over the vocabulary.
    private static Tensor Centred(Tensor direction) => direction - direction.mean();

    private static Tensor CentredUnembedding(Dictionary<string, Tensor> w) => w["wte.weight"] - w["wte.weight"].mean([0L], keepdim: true);

    [Fact]
    public void Neuron_logit_effects_and_neighbours_equal_a_direct_computation()
    {
        var store = new SyntheticStore(_temp.Path);
        var result = RecordsJob.Run(Job(store.Folder, units: "0-9"));
        using var reader = UnitRecordStore.Open(result.DatabasePath);
        Assert.Equal(10, reader.Units.Count);
        var record = reader.Read(new Core.Records.UnitId(SyntheticStore.Hook, 7));
        RecordsAssert.WindowsMatchStore(store, record);

        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var w = Weights(model);
        var wOut = w["h.1.mlp.c_proj.weight"];                                          // [d_mlp, d]
        var effect = (Centred(wOut[7]) * w["ln_f.weight"]).matmul(CentredUnembedding(w).t());   // [V]
        var (top, topIds) = effect.topk(10);
        var (bottom, bottomIds) = effect.topk(10, largest: false);
        Assert.Equal(topIds.data<long>().ToArray().Select(i => (int)i), record.LogitPositive.Select(e => e.TokenId));
        Assert.Equal(bottomIds.data<long>().ToArray().Select(i => (int)i), record.LogitNegative.Select(e => e.TokenId));
        Assert.Equal(top.data<float>().ToArray(), record.LogitPositive.Select(e => e.Value).ToArray(), new Tolerance(1e-5f));
        Assert.Equal(bottom.data<float>().ToArray(), record.LogitNegative.Select(e => e.Value).ToArray(), new Tolerance(1e-5f));
        Assert.Equal($"<{record.LogitPositive[0].TokenId}>", record.LogitPositive[0].Token);
        Assert.Equal(1000, record.LogitHistogram!.Counts.Sum());
        Assert.Equal(effect.min().item<float>(), record.LogitHistogram.Edges[0], 1e-5);
        Assert.Equal(effect.max().item<float>(), record.LogitHistogram.Edges[^1], 1e-5);

        var unit = wOut / wOut.norm(1, keepdim: true);
        var cosine = unit.matmul(unit[7]);                                               // [d_mlp]
        cosine[7] = float.NegativeInfinity;
        var (similar, similarIds) = cosine.topk(10);
        Assert.Equal(similarIds.data<long>().ToArray().Select(i => (int)i), record.Nearest.Select(n => n.Index));
        Assert.Equal(similar.data<float>().ToArray(), record.Nearest.Select(n => n.Similarity).ToArray(), new Tolerance(1e-5f));
    }

    [Fact]
    public void Sae_latent_records_hold_the_encoded_activations_and_the_decoder_logit_effect()
    {
        var store = new SyntheticStore(_temp.Path);
        var saeFolder = _temp["sae"];
        using (var created = SparseAutoencoder.Create(SaeConfig(SyntheticStore.D, SyntheticStore.Hook), seed: 3)) created.Save(saeFolder);
        var result = RecordsJob.Run(Job(store.Folder, sae: saeFolder));
        Assert.Equal("sae:" + SyntheticStore.Hook, result.Manifest.Source);
        Assert.Equal("sae_latent", result.Manifest.Kind);
        using var reader = UnitRecordStore.Open(result.DatabasePath);
        Assert.Equal(48, reader.Units.Count);

        using var sae = SparseAutoencoder.Load(saeFolder);
        using var model = Gpt2.Load(TestRepo.TinyRandomGpt2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var latents = sae.Encode(tensor(store.Values, [SyntheticStore.Contexts * SyntheticStore.Ctx, SyntheticStore.D]))
            .reshape(SyntheticStore.Contexts, SyntheticStore.Ctx, 48);                   // (C, T, d_sae)
        var values = latents.data<float>().ToArray();
        var fired = 0;
        foreach (var id in reader.Units)
        {
            var record = reader.Read(id);
            float Latent(long c, int t) => values[((int)c * SyntheticStore.Ctx + t) * 48 + id.Index];
            foreach (var window in record.Top.Concat(record.Random).Concat(record.NonActivating))
                for (var i = 0; i < window.Activations.Length; i++) Assert.Equal(Latent(window.Context, window.Start + i), window.Activations[i], 1e-5f);
            var peaks = Enumerable.Range(0, SyntheticStore.Contexts)
                .Select(c => (Context: (long)c, Max: Enumerable.Range(0, SyntheticStore.Ctx).Max(t => Latent(c, t)))).Where(p => p.Max > 0)
                .OrderByDescending(p => p.Max).ThenBy(p => p.Context).Take(5).Select(p => p.Context);
            Assert.Equal(peaks, record.Top.Select(w => w.Context));
            fired += record.Top.Count > 0 ? 1 : 0;
        }
        Assert.True(fired > 10, $"only {fired} latents fired");

        var w = Weights(model);
        var direction = sae.DecoderWeight[5].matmul(w["h.1.mlp.c_proj.weight"]);        // [d]: W_dec[5] · W_out
        var effect = (Centred(direction) * w["ln_f.weight"]).matmul(CentredUnembedding(w).t());  // [V]
        var five = reader.Read(new Core.Records.UnitId("sae:" + SyntheticStore.Hook, 5));
        var (top, topIds) = effect.topk(10);
        Assert.Equal(topIds.data<long>().ToArray().Select(i => (int)i), five.LogitPositive.Select(e => e.TokenId));
        Assert.Equal(top.data<float>().ToArray(), five.LogitPositive.Select(e => e.Value).ToArray(), new Tolerance(1e-4f));
        var decoder = sae.DecoderWeight / sae.DecoderWeight.norm(1, keepdim: true);
        var cosine = decoder.matmul(decoder[5]);
        cosine[5] = float.NegativeInfinity;
        Assert.Equal(cosine.topk(10).indexes.data<long>().ToArray().Select(i => (int)i), five.Nearest.Select(n => n.Index));
    }

    [Fact]
    public void An_interrupted_job_resumes_to_the_records_of_a_clean_run()
    {
        var store = new SyntheticStore(_temp.Path);
        var options = Job(store.Folder) with { Sampling = Build.Options() with { UnitsPerChunk = 40 } };
        var clean = RecordsJob.Run(options with { OutDirectory = _temp["clean"] });

        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => RecordsJob.Run(options, progress: p =>
        {
            if (p.Chunk == 3) cancel.Cancel();
        }, cancellationToken: cancel.Token));
        Assert.Throws<InterpException>(() => UnitRecordStore.Open(options.OutDirectory));

        var resumed = RecordsJob.Run(options);
        Assert.Equal(80, resumed.UnitsResumed);
        Assert.Equal(48, resumed.UnitsBuilt);
        using var a = UnitRecordStore.Open(clean.DatabasePath);
        using var b = UnitRecordStore.Open(resumed.DatabasePath);
        Assert.Equal(a.Units, b.Units);
        foreach (var id in a.Units) RecordsAssert.Same(a.Read(id), b.Read(id));
    }

    [Fact]
    public void Records_from_a_model_run_equal_records_from_its_harvested_store()
    {
        var modelFolder = _temp["model"];
        manual_seed(1234);
        using (var random = new Gpt2(new Gpt2Config(VocabSize: 50257, NPositions: 128, NEmbd: 32, NLayer: 2, NHead: 2)))
            random.SaveHuggingFace(modelFolder);
        Gpt2.CopyTokenizerFiles(Path.Combine(TestRepo.Root, "data", "tokenizer", "gpt2"), modelFolder);
        var corpus = TestRepo.Corpus("tinyshakespeare.txt");
        var hook = HookName.MlpPost(0);
        using (var model = Gpt2.Load(modelFolder))
        {
            var (stream, files) = ContextBuilder.Tokenize([corpus], model.RequireTokenizer());
            var contexts = ContextBuilder.Build(stream, files, ctx: 32, prependBos: true, maxTokens: 1024);
            Harvester.Run(model, contexts, new HarvestOptions { Hooks = [hook], OutDirectory = _temp["activations"], BatchSize = 4 });
        }
        var sampling = Build.Options();
        var fromStore = RecordsJob.Run(new RecordsJobOptions
        {
            Activations = _temp["activations"], Model = modelFolder, Units = "0-15", OutDirectory = _temp["a"], Sampling = sampling,
        });
        var fromModel = RecordsJob.Run(new RecordsJobOptions
        {
            Corpus = [corpus], Hook = hook.Name, Model = modelFolder, Ctx = 32, Tokens = 1024, Batch = 4, Units = "0-15",
            OutDirectory = _temp["b"], Sampling = sampling,
        });
        Assert.Equal(fromStore.Manifest.Tokens, fromModel.Manifest.Tokens);
        using var a = UnitRecordStore.Open(fromStore.DatabasePath);
        using var b = UnitRecordStore.Open(fromModel.DatabasePath);
        Assert.Equal(16, b.Units.Count);
        foreach (var id in a.Units)
        {
            var (x, y) = (a.Read(id), b.Read(id));
            Assert.Equal(x.Top.Select(w => w.Context), y.Top.Select(w => w.Context));
            Assert.Equal(x.Top.SelectMany(w => w.Activations), y.Top.SelectMany(w => w.Activations), new Tolerance(1e-5f));
            Assert.Equal(x.Random.Select(w => w.Context), y.Random.Select(w => w.Context));
            Assert.Equal(x.ActiveTokens, y.ActiveTokens);
            Assert.Equal(x.LogitPositive.Select(e => e.Token), y.LogitPositive.Select(e => e.Token));
        }
        // Real token strings from the model's tokenizer.
        var record = b.Read(b.Units[0]);
        var text = string.Concat(record.Top[0].Tokens).Replace("<|endoftext|>", "", StringComparison.Ordinal);   // a window may show the BOS
        Assert.Contains(text.Trim().Split(' ')[0], File.ReadAllText(corpus));
    }

    [Fact]
    public void Bad_input_is_one_clear_error()
    {
        var store = new SyntheticStore(_temp.Path);
        string Error(RecordsJobOptions options) => Assert.ThrowsAny<InterpException>(() => RecordsJob.Run(options)).Message;

        Assert.Contains("nowhere", Error(Job(_temp["nowhere"])));

        var narrow = _temp["sae-narrow"];
        using (var sae = SparseAutoencoder.Create(SaeConfig(32, SyntheticStore.Hook))) sae.Save(narrow);
        Assert.Contains("d_in=32", Error(Job(store.Folder, sae: narrow)));

        var elsewhere = _temp["sae-elsewhere"];
        using (var sae = SparseAutoencoder.Create(SaeConfig(SyntheticStore.D, "blocks.2.mlp.hook_post"))) sae.Save(elsewhere);
        var message = Error(Job(store.Folder, sae: elsewhere));
        Assert.Contains("blocks.2.mlp.hook_post", message);
        Assert.Contains(SyntheticStore.Hook, message);

        Assert.Contains("SAE folder not found", Error(Job(store.Folder, sae: _temp["no-sae"])));
        Assert.Contains("does not exist", Error(Job(store.Folder, units: "0-500")));
        Assert.Contains("window length", Error(Job(store.Folder) with { Sampling = Build.Options(window: 0) }));
        Assert.Contains("hook name", Error(new RecordsJobOptions { Corpus = [TestRepo.Corpus("tinyshakespeare.txt")], OutDirectory = _temp["x"] }));

        var other = new SyntheticStore(_temp["other"], weightsSha: new string('a', 64));
        Assert.Contains("sha256", Error(Job(other.Folder)));
        Assert.All(new[] { message }, m => Assert.DoesNotContain('\n', m));
    }

    private static SaeConfig SaeConfig(int dIn, string hook) => new()
    {
        Architecture = SaeArchitecture.Relu, DIn = dIn, DSae = 48, HookName = hook, HookLayer = Interp.Sae.SaeConfig.LayerOf(hook),
        ModelName = "tiny-random-gpt2",
    };
}
