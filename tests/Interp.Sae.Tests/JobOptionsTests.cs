using Interp.Core;
using Interp.Sae.Architectures;

namespace Interp.Sae.Tests;

/// <summary>The SAE jobs' options: one clear message per bad option, naming its meaning; a front end can rename it.</summary>
public sealed class JobOptionsTests(FixtureStore store) : IClassFixture<FixtureStore>
{
    private static EvalSaeJobOptions Eval => new() { Sae = "sae", Corpus = ["corpus.txt"] };

    private TrainSaeJobOptions Train(string outDir) => new() { Activations = store.Folder, OutDirectory = outDir, BatchSize = 64, Tokens = 640 };

    [Fact]
    public void Eval_options_refuse_each_bad_size_naming_it_by_meaning()
    {
        Assert.Equal("tokens to evaluate 0: must be positive", Assert.Throws<InvalidOptionException>(() => (Eval with { Tokens = 0 }).Validate()).Message);
        Assert.Equal("contexts per batch -1: must be positive", Assert.Throws<InvalidOptionException>(() => (Eval with { Batch = -1 }).Validate()).Message);
        Assert.Equal("skipped tokens -3: must not be negative", Assert.Throws<InvalidOptionException>(() => (Eval with { SkipTokens = -3 }).Validate()).Message);
        Eval.Validate();
    }

    [Fact]
    public void Train_options_refuse_each_bad_value_naming_it_by_meaning()
    {
        var ok = Train("unused");
        ok.Validate();
        Assert.Equal("batch size 0: must be a positive number of rows", Refused(ok with { BatchSize = 0 }));
        Assert.Equal("training tokens -5: must be a positive number of rows", Refused(ok with { Tokens = -5 }));
        Assert.Equal("checkpoint interval 0: must be a positive number of steps", Refused(ok with { CheckpointEvery = 0 }));
        Assert.Equal("learning rate NaN: must be a positive number", Refused(ok with { LearningRate = double.NaN }));
        Assert.Equal("sparsity coefficient -0.5: must not be negative", Refused(ok with { SparsityCoefficient = -0.5 }));
        Assert.Equal("d_sae 0: must be a positive number of latents", Refused(ok with { DSae = 0 }));
        Assert.Equal("dead-latent window 0: must be a positive number of steps", Refused(ok with { DeadWindow = 0 }));

        static string Refused(TrainSaeJobOptions options) => Assert.Throws<InvalidOptionException>(options.Validate).Message;
    }

    [Fact]
    public void A_refused_option_can_be_spelled_by_a_front_end_and_unknown_names_keep_their_meaning()
    {
        var e = Assert.Throws<InvalidOptionException>(() => (Eval with { Batch = 0 }).Validate());
        Assert.Equal("--batch 0: must be positive", e.MessageWith(p => p == nameof(EvalSaeJobOptions.Batch) ? "--batch" : null));
        Assert.Equal("contexts per batch 0: must be positive", e.MessageWith(_ => null));
    }

    [Fact]
    public void Opening_a_training_job_checks_the_options_against_the_store()
    {
        using var dir = new TempDir();
        var wrongHook = Assert.Throws<InterpException>(() => TrainSaeJob.Open(Train(dir.Path) with { Hook = "blocks.1.hook_resid_pre" })).Message;
        Assert.Contains("blocks.1.hook_resid_pre", wrongHook);
        Assert.Contains(FixtureStore.Hook.Name, wrongHook);
        Assert.Contains("k 300: must be between 1 and d_sae=256 for topk", Opened(Train(dir.Path) with { K = 300 }));
        Assert.Contains("batch size 1,000: the store", Opened(Train(dir.Path) with { BatchSize = 1000 }));
        Assert.Contains($"holds only {FixtureStore.Rows:N0} activation rows", Opened(Train(dir.Path) with { BatchSize = 1000 }));

        string Opened(TrainSaeJobOptions options) => Assert.Throws<InvalidOptionException>(() => TrainSaeJob.Open(options)).Message;
    }

    [Fact]
    public void A_training_job_takes_its_recorded_facts_from_the_store_and_knows_how_it_starts()
    {
        using var dir = new TempDir();
        using (var job = TrainSaeJob.Open(Train(dir.Path) with { Architecture = SaeArchitecture.Relu, K = 0 }))
        {
            Assert.Equal(TrainSaeStart.New, job.Start);
            Assert.Equal(8 * 32, job.Training.DSae);                       // the default expansion factor × d_in
            Assert.Equal(FixtureStore.Hook.Name, job.Training.HookName);
            Assert.Equal(16, job.Training.ContextSize);
            Assert.Equal(1.0, job.Passes);                                 // 640 rows of a 640-row store
        }
        using (var resume = TrainSaeJob.Open(Train(dir.Path) with { Resume = true }))
            Assert.Equal(TrainSaeStart.ResumeWithoutCheckpoint, resume.Start);

        File.WriteAllText(Path.Combine(dir.Path, SaeFolder.ConfigFileName), "{}");
        Assert.Equal($"{dir.Path} already holds an SAE training run; pass the resume option to continue it, or choose another output folder",
            Assert.Throws<InvalidOptionException>(() => TrainSaeJob.Open(Train(dir.Path))).Message);
        Assert.Equal($"{dir.Path}: holds an SAE but no checkpoint to resume from; choose another output folder",
            Assert.Throws<InvalidOptionException>(() => TrainSaeJob.Open(Train(dir.Path) with { Resume = true })).Message);
    }
}
