using Interp.Core;

namespace Interp.Cli.Tests;

internal static class Paths
{
    public static string Repo => RepoPaths.FindRepoRoot() ?? throw new InvalidOperationException("repo root not found");
    public static string Fixture => Path.Combine(Repo, "tests", "fixtures", "tiny-random-gpt2");

    /// <summary>A fresh copy of the fixture model in a temporary folder, to damage in a test.</summary>
    public static string FixtureCopy()
    {
        var dir = Directory.CreateTempSubdirectory("interp-cli-").FullName;
        foreach (var file in Directory.GetFiles(Fixture)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }
}
