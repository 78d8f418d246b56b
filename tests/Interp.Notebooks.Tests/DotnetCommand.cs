using System.Diagnostics;
using System.Text;

namespace Interp.Notebooks.Tests;

/// <summary>
/// Runs the <c>dotnet</c> CLI as a child process and collects its output. The child gets a clean MSBuild environment:
/// the variables <c>dotnet test</c> sets for its own build would otherwise point the child's build at the wrong SDK
/// parts, and lingering build nodes could hold the output pipes open after the child has exited.
/// </summary>
public static class DotnetCommand
{
    /// <summary>What the process did.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Runs <c>dotnet ARGS</c> in <paramref name="workingDirectory"/>; past <paramref name="timeout"/> the process tree is killed and a <see cref="TimeoutException"/> thrown.</summary>
    public static Result Run(IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        var (stdout, stderr) = (new StringBuilder(), new StringBuilder());
        var (stdoutDone, stderrDone) = (new TaskCompletionSource(), new TaskCompletionSource());
        process.OutputDataReceived += (_, e) => Collect(stdout, stdoutDone, e.Data);
        process.ErrorDataReceived += (_, e) => Collect(stderr, stderrDone, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} ran past {timeout.TotalSeconds:F0} s; output so far:\n{Tail(stdout.ToString())}\n{Tail(stderr.ToString())}");
        }
        // The pipes close when the last process holding them does; a helper left behind must not hang the test.
        Task.WaitAll([stdoutDone.Task, stderrDone.Task], TimeSpan.FromSeconds(30));
        lock (stdout) lock (stderr) return new Result(process.ExitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
    }

    /// <summary>The last <paramref name="lines"/> lines of <paramref name="text"/>.</summary>
    public static string Tail(string text, int lines = 40)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private static void Collect(StringBuilder into, TaskCompletionSource done, string? line)
    {
        if (line is null)
        {
            done.TrySetResult();
            return;
        }
        lock (into) into.Append(line).Append('\n');
    }
}
