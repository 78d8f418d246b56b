using System.Text.RegularExpressions;

namespace Interp.Notebooks.Tests;

/// <summary>A notebook that ran to the end headless: its outputs per cell, and how long the build and the run took.</summary>
public sealed record HeadlessRun(CellOutputs Outputs, string Stderr, TimeSpan Build, TimeSpan Run);

/// <summary>
/// Runs a notebook headless: writes its <see cref="HeadlessProgram"/>, builds it (<c>dotnet build FILE.cs</c>), runs it
/// (<c>dotnet run --file FILE.cs --no-build</c>) in the notebook's folder, as a notebook kernel would, and deletes the
/// program again. A compile error or a failing cell is a <see cref="NotebookException"/> naming the notebook, the code
/// cell and, where known, the line in it.
/// </summary>
public static partial class HeadlessRunner
{
    public static HeadlessRun Run(NotebookDocument notebook, string repoRoot, string programPath, TimeSpan timeout,
        IDictionary<string, string>? environment = null)
    {
        var name = Path.GetFileName(notebook.Path);
        var program = HeadlessProgram.Generate(notebook, repoRoot, programPath);
        var programFolder = Path.GetDirectoryName(Path.GetFullPath(programPath))!;
        var created = FoldersToCreate(programFolder);
        Directory.CreateDirectory(programFolder);
        try
        {
            File.WriteAllText(programPath, program);
            var build = DotnetCommand.Run(["build", programPath], programFolder, timeout, environment);
            if (build.ExitCode != 0) throw new NotebookException($"{name} does not compile headless:\n{CompileErrors(build.Stdout + build.Stderr)}");

            var notebookFolder = Path.GetDirectoryName(Path.GetFullPath(notebook.Path))!;
            var run = DotnetCommand.Run(["run", "--file", programPath, "--no-build"], notebookFolder, timeout, environment);
            var outputs = CellOutputs.Parse(run.Stdout);
            if (run.ExitCode != 0)
                throw new NotebookException($"{name}: {Where(outputs, run.Stderr)} failed (exit code {run.ExitCode}):\n{DotnetCommand.Tail(run.Stderr)}");
            var codeCells = notebook.CodeCells.Count();
            if (outputs.Started.Count != codeCells || !outputs.Finished)
                throw new NotebookException($"{name}: {outputs.Started.Count} of {codeCells} code cells ran{(outputs.Finished ? "" : " and the program stopped before its end")}, yet it exited 0");
            return new HeadlessRun(outputs, run.Stderr, build.Elapsed, run.Elapsed);
        }
        finally
        {
            File.Delete(programPath);
            foreach (var folder in created)                                     // deepest first
                if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
    }

    // The folders that creating `folder` makes, deepest first: what the run removes again when it leaves them empty.
    private static List<string> FoldersToCreate(string folder)
    {
        var missing = new List<string>();
        for (var dir = folder; dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)) missing.Add(dir);
        return missing;
    }

    /// <summary>Each distinct compiler error as "code cell N, line L: error CSxxxx: message" (other errors as the build printed them).</summary>
    public static string CompileErrors(string buildOutput)
    {
        var errors = new List<string>();
        foreach (var line in buildOutput.Split('\n'))
        {
            if (!line.Contains("error", StringComparison.Ordinal)) continue;
            var match = CellCompileError().Match(line);
            var text = match.Success
                ? $"code cell {match.Groups[1].Value}, line {match.Groups[2].Value}: {match.Groups[4].Value.Trim()}"
                : line.Trim();
            if (!errors.Contains(text)) errors.Add(text);
        }
        return errors.Count > 0 ? string.Join('\n', errors) : DotnetCommand.Tail(buildOutput);
    }

    // The last cell that started failed; the deepest stack frame in a cell gives the line (a Debug build has line numbers),
    // which may lie in an earlier cell when a function declared there failed.
    private static string Where(CellOutputs outputs, string stderr)
    {
        if (outputs.Started.Count == 0) return "the program (before the first cell)";
        var cell = outputs.Started[^1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        var frame = CellStackFrame().Match(stderr);
        if (!frame.Success) return $"code cell {cell}";
        return frame.Groups[1].Value == cell
            ? $"code cell {cell}, line {frame.Groups[2].Value},"
            : $"code cell {cell} (in code from code cell {frame.Groups[1].Value}, line {frame.Groups[2].Value})";
    }

    [GeneratedRegex(@"code cell (\d+)\((\d+),(\d+)\): (error .*?)(\s+\[[^\]]*\])?\s*$")]
    private static partial Regex CellCompileError();

    [GeneratedRegex(@"in .*?code cell (\d+):line (\d+)")]
    private static partial Regex CellStackFrame();
}
