namespace Interp.Core.Tests;

public sealed class RunLayoutTests
{
    [Fact]
    public void Every_stage_output_has_its_path_inside_the_run_folder()
    {
        var run = Path.Combine("runs", "quickstart");
        var layout = new RunLayout(run);
        Assert.Equal(run, layout.Run);
        Assert.Equal(Path.Combine(run, "activations"), layout.Activations);
        Assert.Equal(Path.Combine(run, "activations", "blocks.1.mlp.hook_post"), layout.ActivationsOf("blocks.1.mlp.hook_post"));
        Assert.Equal(Path.Combine(run, "sae"), layout.Sae);
        Assert.Equal(Path.Combine(run, "sae", "eval.json"), layout.SaeEvaluation);
        Assert.Equal(Path.Combine(run, "records", "neurons"), layout.NeuronRecords);
        Assert.Equal(Path.Combine(run, "records", "sae-latents"), layout.LatentRecords);
        Assert.Equal(Path.Combine(run, "autointerp", "neurons"), layout.NeuronResults);
        Assert.Equal(Path.Combine(run, "autointerp", "sae-latents"), layout.LatentResults);
        Assert.Equal(Path.Combine(run, "config.json"), layout.ModelConfig);
        Assert.Equal(Path.Combine(run, "training_log.jsonl"), layout.TrainingLog);
        Assert.Equal(Path.Combine(run, "quickstart_times.json"), layout.QuickstartTimes);
        Assert.Equal(["activations", "sae", "records", "autointerp"], RunLayout.StageFolderNames);
    }

    [Fact]
    public void A_folder_looks_like_a_run_when_it_holds_a_stage_folder_or_a_training_log_and_not_otherwise()
    {
        var root = Path.Combine(Path.GetTempPath(), "interp-core-tests", Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(root);
            Assert.False(RunLayout.LooksLikeRun(root));
            Assert.False(RunLayout.LooksLikeRun(Path.Combine(root, "missing")));
            File.WriteAllText(Path.Combine(root, "sae"), "a file, not a folder");
            Assert.False(RunLayout.LooksLikeRun(root));

            foreach (var stage in RunLayout.StageFolderNames)
            {
                var run = Path.Combine(root, "with-" + stage);
                Directory.CreateDirectory(Path.Combine(run, stage));
                Assert.True(RunLayout.LooksLikeRun(run), stage);
            }
            var trained = Path.Combine(root, "trained");
            Directory.CreateDirectory(trained);
            File.WriteAllText(new RunLayout(trained).TrainingLog, "");
            Assert.True(RunLayout.LooksLikeRun(trained));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void An_empty_run_folder_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new RunLayout(""));
    }
}
