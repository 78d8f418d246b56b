using Interp.Cli.Quickstart;
using Interp.Sae;

namespace Interp.Cli.Tests;

/// <summary>The command lines the quickstart runs (and prints) for its stages, sized to the settings.</summary>
public class QuickstartPlanTests
{
    private static QuickstartSettings Settings(long harvestTokens) => new()
    {
        Corpus = ["c.txt"], OutDirectory = "run", SaeHook = "blocks.2.hook_resid_pre", MlpHook = "blocks.1.mlp.hook_post",
        HarvestTokens = harvestTokens, EvalTokens = 256, SaeTrainingTokens = 8192, DSae = 64,
    };

    private static IReadOnlyList<QuickstartStage> Stages(QuickstartSettings settings) =>
        QuickstartPlan.Stages(settings, new QuickstartLayout(Path.Combine(Path.GetTempPath(), $"interp-no-run-{Guid.NewGuid():N}")));

    [Fact]
    public void Its_thread_count_goes_to_every_stage_that_runs_the_model()
    {
        foreach (var stage in Stages(Settings(204_800) with { Threads = 2 }))
        {
            var runsModel = !stage.Name.StartsWith("autointerp", StringComparison.Ordinal);   // autointerp reads records only
            Assert.Equal(runsModel, stage.CommandLine.Contains(" --threads 2 ", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(Stages(Settings(204_800)), s => s.CommandLine.Contains("--threads"));
    }

    [Fact]
    public void Quiet_turns_off_the_progress_of_every_stage()
    {
        Assert.All(Stages(Settings(204_800) with { Quiet = true }), stage => Assert.Contains(" --quiet ", stage.CommandLine));
        Assert.DoesNotContain(Stages(Settings(204_800)), s => s.CommandLine.Contains("--quiet"));
    }

    [Fact]
    public void Its_text_field_goes_to_every_stage_that_reads_the_corpus()
    {
        foreach (var stage in Stages(Settings(204_800) with { TextField = "content" }))
        {
            var readsCorpus = stage.Name is "harvest" or "eval-sae";                        // the others read the store, SAE or records
            Assert.Equal(readsCorpus, stage.CommandLine.Contains(" --corpus c.txt --text-field content ", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(Stages(Settings(204_800)), s => s.CommandLine.Contains("--text-field"));   // the default goes unsaid
    }

    [Fact]
    public void A_harvest_smaller_than_one_sae_batch_trains_on_batches_of_the_whole_store()
    {
        var small = Stages(Settings(2048)).Single(s => s.Name == "train-sae");
        Assert.Contains(" --batch 2032 ", small.CommandLine);                         // 16 contexts of 128, less their 16 BOS rows
        var usual = Stages(Settings(2 * SaeTrainingOptions.DefaultBatchSize)).Single(s => s.Name == "train-sae");
        Assert.DoesNotContain("--batch", usual.CommandLine);                         // train-sae's own default
    }

    [Fact]
    public void With_transcoders_it_harvests_every_layers_mlp_input_and_output_then_trains_records_and_explains_a_transcoder_per_layer()
    {
        var layout = new QuickstartLayout("run");
        var stages = QuickstartPlan.Stages(Settings(204_800) with { Transcoders = true, Layers = 4, TranscoderHarvestTokens = 51_200 }, layout);

        var harvest = stages.Single(s => s.Name == "harvest transcoders").CommandLine;
        for (var layer = 0; layer < 4; layer++)
        {
            Assert.Contains($" --hook blocks.{layer}.ln2.hook_normalized --hook blocks.{layer}.hook_mlp_out ", harvest);
            Assert.Contains($" --layer {layer} --arch topk --d-sae 1024 --k 32 --tokens 409600 --batch 1024 --lr 0.002 ", stages.Single(s => s.Name == $"train-transcoder {layer}").CommandLine);
            Assert.EndsWith($"--out {layout.TranscoderOf(layer)}", stages.Single(s => s.Name == $"train-transcoder {layer}").CommandLine);
            Assert.Contains($"--sae {layout.TranscoderOf(layer)} ", stages.Single(s => s.Name == $"records transcoder {layer}").CommandLine);
            Assert.Contains($"--records {layout.TranscoderRecordsOf(layer)} ", stages.Single(s => s.Name == $"autointerp transcoder {layer}").CommandLine);
        }
        Assert.Contains(" --tokens 51200 ", harvest);
        Assert.Equal(7 + 1 + 3 * 4, stages.Count);
        Assert.DoesNotContain(QuickstartPlan.Stages(Settings(204_800), layout), s => s.Name.Contains("transcoder", StringComparison.Ordinal));
    }

    [Fact]
    public void With_an_llm_explainer_only_the_first_latents_of_each_transcoder_are_explained()
    {
        var stages = QuickstartPlan.Stages(Settings(204_800) with { Transcoders = true, Layers = 2, Explainer = "llm" }, new QuickstartLayout("run"));

        Assert.All(stages.Where(s => s.Name.StartsWith("autointerp transcoder", StringComparison.Ordinal)),
            s => Assert.Contains($" --units 0-{QuickstartTranscoderPlan.LlmExplainedLatents - 1} ", s.CommandLine));
    }
}
