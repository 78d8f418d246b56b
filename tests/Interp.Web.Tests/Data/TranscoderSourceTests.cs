using Interp.Web.Live;
using Interp.Web.Runs;
using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

/// <summary>Transcoder latents (<c>transcoder:L</c>) as the web app's unit sources: unit pages, live and steering choices.</summary>
public class TranscoderSourceTests
{
    private static RunInfo Run() => new("run", "/runs/run", null, [],
        [
            new SaeInfo("sae", "/runs/run/sae", "topk", "blocks.2.ln2.hook_normalized", 128, 256, 8, null),
            new SaeInfo("transcoders/layer-2", "/runs/run/transcoders/layer-2", "topk_transcoder", "blocks.2.ln2.hook_normalized", 128, 1024, 32, null, IsTranscoder: true),
        ], [], [], null, []);

    private static readonly ModelDescription Model = new("default", 4, 128, 256, ["blocks.2.ln2.hook_normalized", "blocks.2.mlp.hook_post"]);

    [Fact]
    public void A_transcoder_is_offered_as_transcoder_latents_and_a_transcoder_unit_link_finds_it_not_the_sae_on_the_same_hook()
    {
        var options = SourceOption.Build(Model, [Run()]);

        var transcoder = SourceOption.ForUnitSource(options, "run", "transcoder:2");
        var sae = SourceOption.ForUnitSource(options, "run", "sae:blocks.2.ln2.hook_normalized");

        Assert.Equal(("/runs/run/transcoders/layer-2", "transcoder:2"), (transcoder?.SaeFolder, transcoder?.UnitSource));
        Assert.StartsWith("transcoder run/", transcoder!.Label, StringComparison.Ordinal);
        Assert.Equal(("/runs/run/sae", "sae:blocks.2.ln2.hook_normalized"), (sae?.SaeFolder, sae?.UnitSource));
    }

    [Fact]
    public void Steering_is_not_offered_a_transcoder_but_still_the_sae_and_the_neurons_of_the_hook_it_reads()
    {
        var options = SourceOption.ForSteering(SourceOption.Build(Model, [Run()]));

        Assert.DoesNotContain(options, o => o.Transcoder);
        Assert.Null(SourceOption.ForUnitSource(options, "run", "transcoder:2"));
        Assert.NotNull(SourceOption.ForUnitSource(options, "run", "sae:blocks.2.ln2.hook_normalized"));
        Assert.Contains(options, o => o.Key == "hook:blocks.2.ln2.hook_normalized");
    }

    [Fact]
    public void A_transcoder_records_source_is_a_latent_source_of_a_transcoder()
    {
        var source = new UnitSourceRef("run", "transcoder:1", "transcoder_latent", "blocks.1.ln2.hook_normalized", 1024, 1024, 51_200, "/r");

        Assert.True(source.IsSae);
        Assert.True(source.IsTranscoder);
        Assert.False(new UnitSourceRef("run", "sae:blocks.1.hook_resid_pre", "sae_latent", "blocks.1.hook_resid_pre", 8, 8, 1, "/r").IsTranscoder);
    }
}
