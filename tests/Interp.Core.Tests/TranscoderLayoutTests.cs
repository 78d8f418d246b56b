using Interp.Core.Records;

namespace Interp.Core.Tests;

/// <summary>Where transcoders and their products live in a run folder, and how their units are named.</summary>
public sealed class TranscoderLayoutTests
{
    [Fact]
    public void A_runs_transcoders_records_and_results_are_one_folder_per_layer()
    {
        var layout = new RunLayout("run");
        Assert.Equal(Path.Combine("run", "transcoders", "layer-2"), layout.TranscoderOf(2));
        Assert.Equal(Path.Combine("run", "records", "transcoder-latents", "layer-2"), layout.TranscoderRecordsOf(2));
        Assert.Equal(Path.Combine("run", "autointerp", "transcoder-latents", "layer-2"), layout.TranscoderResultsOf(2));
    }

    [Fact]
    public void A_transcoder_latent_id_carries_its_block_through_printing_and_parsing()
    {
        var id = UnitId.Parse("transcoder:11/417");
        Assert.Equal(("transcoder:11", 417), (id.Source, id.Index));
        var source = UnitSource.Parse(id.Source);
        Assert.Equal((UnitKind.TranscoderLatent, "blocks.11.ln2.hook_normalized", "transcoder:11"), (source.Kind, source.Hook.Name, source.ToString()));
        Assert.Contains("transcoder: and a block", Assert.Throws<InterpException>(() => UnitSource.Parse("transcoder:two")).Message);
    }
}
