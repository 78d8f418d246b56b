using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Sae.Tests;

/// <summary>An SAE attached to the fixture model (tiny-random-gpt2, n_embd 32) through <see cref="SaeHooks"/>.</summary>
public sealed class SpliceTests : IDisposable
{
    private readonly Gpt2 _model = Gpt2.Load(TestRepo.TinyRandomGpt2);
    private readonly Tensor _tokens = tensor(new long[] { 98, 5, 17, 301, 44, 9, 650, 2, 98, 77, 12, 901, 3, 8, 400, 61 }, [2, 8]);
    private readonly SparseAutoencoder _sae;

    public SpliceTests()
    {
        _sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 32, dSae: 96, hook: "blocks.2.hook_resid_pre"), seed: 5);
        // Centre it on the activations so that some latents fire and some do not.
        var (_, cache) = _model.RunWithCache(_tokens, [HookName.ResidPre(2)]);
        using (cache)
        using (no_grad())
        using (var mean = cache[HookName.ResidPre(2)].reshape(-1, 32).mean([0]))
            _sae.DecoderBias.copy_(mean);
    }

    public void Dispose()
    {
        _sae.Dispose();
        _tokens.Dispose();
        _model.Dispose();
    }

    [Fact]
    public void Splicing_in_the_reconstruction_with_its_error_term_leaves_the_logits_unchanged()
    {
        using var clean = _model.Run(_tokens);
        using var spliced = _model.RunWithHooks(_tokens, SaeHooks.Splice(_sae, withErrorTerm: true));
        Assert.True(T.MaxAbsDifference(clean, spliced) <= 1e-4f, $"max |Δlogit| {T.MaxAbsDifference(clean, spliced)}");
        using var reconstructed = _model.RunWithHooks(_tokens, SaeHooks.Splice(_sae));
        Assert.True(T.MaxAbsDifference(clean, reconstructed) > 1e-3f, "the plain reconstruction should change a random SAE's model");
    }

    [Fact]
    public void Zero_ablation_clamping_ablating_and_steering_change_the_logits()
    {
        using var clean = _model.Run(_tokens);
        var active = new HashSet<int>();
        using (_model.Hooks(SaeHooks.ReadLatents(_sae, (f, _) =>
               {
                   using var any = f.gt(0).any(0).any(0);
                   active.UnionWith(T.ToArray(any.to_type(ScalarType.Float32)).Select((v, i) => (v, i)).Where(p => p.v > 0).Select(p => p.i));
               })))
            using (_model.Run(_tokens)) { }
        Assert.NotEmpty(active);

        foreach (var hook in new[]
                 {
                     SaeHooks.ZeroAblate(_sae), SaeHooks.Clamp(_sae, latent: 0, value: 10.0), SaeHooks.Ablate(_sae, active.ToArray()),
                     SaeHooks.Steer(_sae, latent: 1, coefficient: 20.0),
                 })
        {
            using var edited = _model.RunWithHooks(_tokens, hook);
            Assert.True(T.MaxAbsDifference(clean, edited) > 1e-3f);
        }
        using (var inactive = _model.RunWithHooks(_tokens, SaeHooks.Ablate(_sae, Enumerable.Range(0, 96).Except(active).ToArray())))
            Assert.True(T.MaxAbsDifference(clean, inactive) <= 1e-4f, "ablating latents that never fire should change nothing");
    }

    [Fact]
    public void Reading_latents_at_the_hook_gives_the_encoding_of_the_cached_activation()
    {
        Tensor? seen = null;
        using (_model.Hooks(SaeHooks.ReadLatents(_sae, (f, _) => seen = f.clone().DetachFromDisposeScope())))
            using (_model.Run(_tokens)) { }
        var (_, cache) = _model.RunWithCache(_tokens, [HookName.ResidPre(2)]);
        using (cache)
        using (seen)
        using (var expected = _sae.Encode(cache[HookName.ResidPre(2)]))
        {
            Assert.NotNull(seen);
            Assert.Equal([2L, 8L, 96L], seen!.shape);
            Assert.True(T.MaxAbsDifference(expected, seen) <= 1e-5f);
        }
    }

    [Fact]
    public void An_sae_on_hook_z_reads_the_heads_flattened()
    {
        using var sae = SparseAutoencoder.Create(T.Config(SaeArchitecture.TopK, dIn: 32, dSae: 64, k: 4, hook: "blocks.1.attn.hook_z"));
        SaeHooks.CheckFits(sae, _model);
        using var clean = _model.Run(_tokens);
        using var spliced = _model.RunWithHooks(_tokens, SaeHooks.Splice(sae, withErrorTerm: true));
        Assert.True(T.MaxAbsDifference(clean, spliced) <= 1e-4f);
        using var reconstructed = _model.RunWithHooks(_tokens, SaeHooks.Splice(sae));
        Assert.True(T.MaxAbsDifference(clean, reconstructed) > 1e-3f);
    }

    [Fact]
    public void An_sae_of_the_wrong_width_or_hook_is_refused_before_it_runs()
    {
        using var wide = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 48, hook: "blocks.0.hook_resid_post"));
        var e = Assert.Throws<InterpException>(() => SaeHooks.CheckFits(wide, _model));
        Assert.Contains("d_in=48", e.Message);
        Assert.Contains("32", e.Message);
        Assert.Throws<InterpException>(() => _model.RunWithHooks(_tokens, SaeHooks.Splice(wide)));

        using var mlp = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 128, hook: "blocks.0.mlp.hook_post"));
        SaeHooks.CheckFits(mlp, _model);                                                      // d_mlp = 4 × 32

        using var lost = SparseAutoencoder.Create(T.Config(SaeArchitecture.Relu, dIn: 32, hook: "blocks.9.hook_resid_pre"));
        Assert.Contains("blocks.9.hook_resid_pre", Assert.Throws<InterpException>(() => SaeHooks.CheckFits(lost, _model)).Message);
    }

    [Fact]
    public void Hooked_runs_leave_the_live_tensor_count_unchanged()
    {
        using (_model.RunWithHooks(_tokens, SaeHooks.Clamp(_sae, 3, 2.0))) { }                 // warm-up
        var before = T.LiveTensors;
        for (var i = 0; i < 5; i++)
        {
            using (_model.RunWithHooks(_tokens, SaeHooks.Splice(_sae, withErrorTerm: true))) { }
            using (_model.RunWithHooks(_tokens, SaeHooks.Ablate(_sae, [1, 2]))) { }
            using (_model.RunWithHooks(_tokens, SaeHooks.Steer(_sae, 4, 3.0))) { }
            using (_model.Hooks(SaeHooks.ReadLatents(_sae, (_, _) => { }))) using (_model.Run(_tokens)) { }
            using var x = T.RandomRows(4, 32, seed: i);
            using var y = _sae.forward(x);
        }
        Assert.Equal(before, T.LiveTensors);
    }
}
