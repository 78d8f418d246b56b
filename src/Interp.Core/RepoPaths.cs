namespace Interp.Core;

/// <summary>Locates files that ship with Interp: next to the running program first, then in the source tree.</summary>
public static class RepoPaths
{
    /// <summary>The repository root (the folder holding Interp.sln) above <paramref name="start"/>, or null.</summary>
    public static string? FindRepoRoot(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Interp.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }

    /// <summary>A path under the repository's <c>data/</c> folder, e.g. <c>DataFile("tokenizer/gpt2")</c>.</summary>
    public static string DataFile(string relative)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "data", relative);
        if (File.Exists(shipped) || Directory.Exists(shipped)) return shipped;
        var root = FindRepoRoot() ?? FindRepoRoot(Directory.GetCurrentDirectory()) ?? throw new InterpException($"data/{relative} not found next to the program or in a source tree");
        return Path.Combine(root, "data", relative);
    }
}
