using System.Diagnostics;

namespace Interp.Cli.Tests;

/// <summary>`dotnet run --project src/Interp.Cli` (the README's first command) behaves like any command-line program.</summary>
public class DotnetRunTests
{
    [Fact]
    public async Task Dotnet_run_writes_relative_outputs_in_the_callers_folder_not_the_projects()
    {
        var caller = Directory.CreateTempSubdirectory("interp-dotnet-run-").FullName;
        var project = Path.Combine(TestRepo.Root, "src", "Interp.Cli");
        var corpus = TestRepo.Corpus("tinyshakespeare.txt");
        var store = $"store-{Guid.NewGuid():N}";
        try
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = caller, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "run", "--project", project, "-c", Configuration, "--no-build", "--no-restore", "--",
                                        "harvest", "--corpus", corpus, "--hook", "blocks.0.hook_resid_pre", "--tokens", "256", "--threads", "1", "--out", store })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); Assert.Fail("dotnet run ran past 3 minutes"); }
            Assert.True(process.ExitCode == 0, $"dotnet run failed: {await stdout}{await stderr}");

            Assert.True(File.Exists(Path.Combine(caller, store, "blocks.0.hook_resid_pre", "manifest.json")), $"no store in the caller's folder {caller}");
            Assert.False(Directory.Exists(Path.Combine(project, store)), "the store went to the project folder");
        }
        finally
        {
            Directory.Delete(caller, recursive: true);
            if (Directory.Exists(Path.Combine(project, store))) Directory.Delete(Path.Combine(project, store), recursive: true);
        }
    }

    // The configuration these tests were built in; the CLI project was built in the same one.
    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}
