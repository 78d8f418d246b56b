using System.Text.Json;
using Interp.Core;
using Interp.Model.Training;

namespace Interp.Model.Tests.Training;

/// <summary>
/// A tiny model trained for a few steps, once without a break (the fixture), and in the tests with a crash in between:
/// resuming from the checkpoint must give the same weights and the same log, to the bit.
/// </summary>
[Collection(GlobalRandomCollection.Name)]
public sealed class Gpt2TrainerTests(Gpt2TrainerTests.UninterruptedRun uninterrupted) : IClassFixture<Gpt2TrainerTests.UninterruptedRun>
{
    /// <summary>Reports and checkpoints every 2 steps, so a resumed run's reports cover the same steps as an unbroken one.</summary>
    private static TrainModelOptions Options(string corpus, string outDirectory) => new()
    {
        Corpora = [corpus], OutDirectory = outDirectory, NLayer = 1, NHead = 2, NEmbd = 16, Context = 16, BatchSize = 2,
        MaxSteps = 6, WarmupSteps = 2, EvalEvery = 2, CheckpointEvery = 2, SaveFloat16 = false,
    };

    /// <summary>The log without its timing field (the one thing that differs between two runs of the same steps).</summary>
    private static string[] LogWithoutTimings(string folder) =>
        File.ReadAllLines(Path.Combine(folder, JsonlLog.TrainingLogFileName)).Select(line =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            node.Remove("tokens_per_second");
            return node.ToJsonString();
        }).ToArray();

    private static byte[] Weights(string folder) => File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));

    private sealed class CrashAfterReport : Exception;

    [Fact]
    public void The_log_has_snake_case_keys_and_one_line_per_report()
    {
        var lines = File.ReadAllLines(Path.Combine(uninterrupted.Folder, JsonlLog.TrainingLogFileName));

        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(["step", "max_steps", "tokens", "loss", "learning_rate", "tokens_per_second", "held_out_loss"],
            first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal([2, 4, 6], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()));
    }

    [Fact]
    public void A_run_that_crashes_and_resumes_ends_with_the_weights_and_log_of_an_uninterrupted_run()
    {
        using var dir = new TempDir();
        var options = Options(uninterrupted.Corpus, dir.Sub("model"));

        // Crash in the report of step 4: its log line is written, its checkpoint is not (the last one is step 2).
        Assert.Throws<CrashAfterReport>(() => new Gpt2Trainer(options, p => { if (p.Step == 4) throw new CrashAfterReport(); }).Run());
        Assert.Equal(2, LogWithoutTimings(options.OutDirectory).Length);

        new Gpt2Trainer(options).Run();

        Assert.Equal(LogWithoutTimings(uninterrupted.Folder), LogWithoutTimings(options.OutDirectory));
        Assert.Equal(Weights(uninterrupted.Folder), Weights(options.OutDirectory));
    }

    [Fact]
    public void A_run_stopped_between_staging_a_checkpoint_and_swapping_it_in_resumes_from_a_loadable_one()
    {
        using var dir = new TempDir();
        var options = Options(uninterrupted.Corpus, dir.Sub("model"));
        var checkpoint = new CheckpointFolder(Path.Combine(options.OutDirectory, "checkpoint"), "model");
        // A file where the previous checkpoint is parked during the swap: the first checkpoint (nothing to park) goes in,
        // the second is staged completely and then cannot be swapped in, as if the process died right there.
        File.WriteAllText(checkpoint.PreviousDirectory, "in the way");

        var error = Assert.Throws<InterpException>(() => new Gpt2Trainer(options).Run());
        Assert.Contains(checkpoint.Directory, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, StepOf(checkpoint.Directory));
        Assert.Equal(4, StepOf(checkpoint.StagingDirectory));

        File.Delete(checkpoint.PreviousDirectory);
        new Gpt2Trainer(options).Run();

        Assert.Equal(Weights(uninterrupted.Folder), Weights(options.OutDirectory));
        Assert.Equal(LogWithoutTimings(uninterrupted.Folder), LogWithoutTimings(options.OutDirectory));
        Assert.False(Directory.Exists(checkpoint.StagingDirectory));
    }

    [Fact]
    public void A_checkpoint_made_with_other_options_is_refused_with_one_line_naming_it()
    {
        using var dir = new TempDir();
        var options = Options(uninterrupted.Corpus, dir.Sub("model"));
        CopyFolder(Path.Combine(uninterrupted.Folder, "checkpoint"), Path.Combine(options.OutDirectory, "checkpoint"));

        var error = Assert.Throws<InterpException>(() => new Gpt2Trainer(options with { LearningRate = 1e-3 }).Run());

        Assert.Contains(Path.Combine(options.OutDirectory, "checkpoint"), error.Message, StringComparison.Ordinal);
        Assert.Contains("other training options", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_job_cancelled_between_steps_checkpoints_them_and_resumes_to_the_weights_and_log_of_an_uninterrupted_run()
    {
        using var dir = new TempDir();
        var options = Options(uninterrupted.Corpus, dir.Sub("model"));
        var checkpoint = Path.Combine(options.OutDirectory, "checkpoint");
        using var cancel = new CancellationTokenSource();

        // No periodic checkpoint before the end (the interval is not part of the fingerprint): the one there is the cancel's.
        var job = TrainModelJob.Prepare(options with { CheckpointEvery = 100 });
        Assert.Throws<OperationCanceledException>(() => job.Run(p => { if (p.Step == 2) cancel.Cancel(); }, cancel.Token));
        Assert.Equal(2, StepOf(checkpoint));
        Assert.False(File.Exists(Path.Combine(options.OutDirectory, "model.safetensors")));

        TrainModelJob.Prepare(options).Run();

        Assert.Equal(LogWithoutTimings(uninterrupted.Folder), LogWithoutTimings(options.OutDirectory));
        Assert.Equal(Weights(uninterrupted.Folder), Weights(options.OutDirectory));
    }

    [Fact]
    public void A_job_refuses_options_out_of_range_by_meaning_before_any_work()
    {
        using var dir = new TempDir();
        var options = Options(uninterrupted.Corpus, dir.Sub("model"));

        Assert.Equal("model width 16: must be a multiple of attention heads 3",
            Assert.Throws<InvalidOptionException>(() => TrainModelJob.Prepare(options with { NHead = 3 })).Message);
        Assert.Equal("training steps 0: must be at least 1", Assert.Throws<InvalidOptionException>(() => TrainModelJob.Prepare(options with { MaxSteps = 0 })).Message);
        Assert.Equal("no corpus given: pass at least one corpus FILE", Assert.Throws<InvalidOptionException>(() => TrainModelJob.Prepare(options with { Corpora = [] })).Message);
        Assert.Empty(Directory.GetFileSystemEntries(options.OutDirectory));
    }

    private static int StepOf(string checkpointFolder)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpointFolder, CheckpointFolder.StateFileName)));
        return state.RootElement.GetProperty("Step").GetInt32();
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>The reference: the same options trained straight through, on the first 12 KB of Tiny Shakespeare.</summary>
    public sealed class UninterruptedRun : IDisposable
    {
        private readonly TempDir _dir = new();

        public UninterruptedRun()
        {
            Corpus = Path.Combine(_dir.Path, "corpus.txt");
            File.WriteAllText(Corpus, File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "data", "corpora", "tinyshakespeare.txt"))[..12_000]);
            Folder = _dir.Sub("uninterrupted");
            new Gpt2Trainer(Options(Corpus, Folder)).Run();
        }

        public string Corpus { get; }

        public string Folder { get; }

        public void Dispose() => _dir.Dispose();
    }
}
