namespace Interp.Notebooks.Tests;

/// <summary>Folders of the source tree (notebooks are read and refreshed in place, never copied to bin/).</summary>
internal static class RepoFolders
{
    public static string Root { get; } = Find(AppContext.BaseDirectory) ?? Find(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException("Interp.sln not found above the test binaries or the working directory");

    public static string Notebooks => Path.Combine(Root, "notebooks");

    /// <summary>
    /// Where a notebook's headless program is written: inside the tree, so that Directory.Build.props/targets and the
    /// central package versions apply to it (TorchSharp's native-library fix among them); git-ignored, removed after the
    /// run. One path per notebook: the SDK keeps a file-based app's build by its path, so a re-run builds incrementally.
    /// </summary>
    public static string HeadlessProgram(string notebookName) =>
        Path.Combine(Notebooks, ".headless", Path.GetFileNameWithoutExtension(notebookName), "notebook.cs");

    private static string? Find(string start)
    {
        var dir = new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Interp.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }
}
