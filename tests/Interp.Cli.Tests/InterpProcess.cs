using System.Diagnostics;

namespace Interp.Cli.Tests;

/// <summary>Runs the real <c>interp</c> program (built beside the tests) as a separate process.</summary>
public static class InterpProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 120)
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
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"interp {string.Join(' ', args)} ran past {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Result Run(params string[] args) => Run((IEnumerable<string>)args);
}
