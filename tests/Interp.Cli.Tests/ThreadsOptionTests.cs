namespace Interp.Cli.Tests;

/// <summary><c>--threads N</c> on every verb that runs the model.</summary>
public class ThreadsOptionTests
{
    public static TheoryData<string[]> ModelVerbs => new()
    {
        new[] { "logits", "--ids", "1,2" },
        new[] { "generate", "--prompt", "Hello" },
        new[] { "harvest", "--corpus", "{dir}/x.txt", "--hook", "blocks.0.hook_resid_pre", "--out", "{dir}/out" },
        new[] { "train-model", "--corpus", "{dir}/x.txt", "--out", "{dir}/out" },
        new[] { "serve", "--runs", "{dir}/out" },
        new[] { "quickstart", "--out", "{dir}/out", "--no-serve" },
    };

    [Theory]
    [MemberData(nameof(ModelVerbs))]
    public void A_non_positive_thread_count_is_refused_with_one_line_before_any_work(string[] verb)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"interp-threads-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var result = InterpProcess.Run([.. verb.Select(a => a.Replace("{dir}", folder)), "--threads", "0"]);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Equal("error: --threads 0: must be positive", result.Stderr.Trim());
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));                 // nothing made: no store, no run folder
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Logits_runs_on_one_thread()
    {
        var result = InterpProcess.Run("logits", "--model", TestRepo.TinyRandomGpt2, "--ids", "1,2", "--threads", "1", "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("{", result.Stdout.TrimStart());
    }
}
