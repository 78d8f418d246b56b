using System.Diagnostics;

namespace Interp.Tests.Shared;

/// <summary>
/// Runs the real <c>interp</c> program (built beside the tests) as a child process, with one libtorch thread since test
/// processes run beside each other. Linked into each test project that drives the command line.
/// </summary>
public static class InterpProcess
{
    /// <summary>What the process did.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The one error line of a refusal: exit code 1, and stderr ends with one <c>error: …</c> line (progress lines may come before it).</summary>
        public string ErrorLine
        {
            get
            {
                var lines = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(ExitCode == 1, $"exit code {ExitCode}; stderr: {Stderr}");
                Assert.True(lines.Length > 0 && lines[^1].StartsWith("error: ", StringComparison.Ordinal), $"stderr does not end with an error line: {Stderr}");
                Assert.True(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)) == 1, $"more than one error line: {Stderr}");
                return lines[^1];
            }
        }
    }

    /// <summary>The start info, for tests that manage the process themselves (e.g. to kill it mid-run).</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "interp.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("INTERP_DEBUG");
        start.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    /// <summary>Runs to the end (killed past the timeout) and returns exit code and output.</summary>
    public static Result Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"interp {string.Join(' ', args)} ran past {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <inheritdoc cref="Run(IEnumerable{string}, IDictionary{string, string}?, int)"/>
    public static Result Run(params string[] args) => Run((IEnumerable<string>)args);
}
