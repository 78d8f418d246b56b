using Interp.Core;

namespace Interp.Web.Tests.Support;

/// <summary>Where the tests find the repository, the built <c>interp</c> program, Debian's chromium, and where they put artifacts.</summary>
public static class TestPaths
{
    /// <summary>The repository root.</summary>
    public static string RepoRoot { get; } = RepoPaths.FindRepoRoot() ?? throw new InvalidOperationException("Interp.sln not found above the test output");

    /// <summary>Debug or Release: the configuration these tests were built in (and so the CLI beside them).</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>
    /// <c>interp.dll</c> in src/Interp.Cli's own build output: the program as `dotnet build` leaves it, with its static web
    /// assets manifest (a copy beside the tests would not have one).
    /// </summary>
    public static string CliDll { get; } = Path.Combine(RepoRoot, "src", "Interp.Cli", "bin", Configuration, "net10.0", "interp.dll");

    /// <summary>The project file of the CLI (for the publish test).</summary>
    public static string CliProject { get; } = Path.Combine(RepoRoot, "src", "Interp.Cli", "Interp.Cli.csproj");

    /// <summary>The embedded default model.</summary>
    public static string DefaultModel { get; } = Path.Combine(RepoRoot, "data", "models", "default");

    /// <summary>Debian's chromium, or null when it is not installed.</summary>
    public static string? Chromium { get; } = FindOnPath("chromium");

    /// <summary>Screenshots and other artifacts of this test run (under the test output).</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    /// <summary>Temporary folders of this test run: under the test output, emptied when the tests start (not in /tmp, where a killed test host would leave them).</summary>
    public static string TempRoot { get; } = NewTempRoot();

    /// <summary>A new empty temporary folder.</summary>
    public static string NewTempFolder(string prefix) =>
        Directory.CreateDirectory(Path.Combine(TempRoot, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)])).FullName;

    private static string NewTempRoot()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "tmp");
        try { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Directory.CreateDirectory(root).FullName;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
