using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Interp.Web.Tests.Support;

/// <summary>
/// <c>interp serve</c> in a child process, started from the built program on 127.0.0.1 with a free port (port 0, then
/// the address it prints). Disposing stops that process (by its id).
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServerProcess(Process process, Uri address, StringBuilder output) => (_process, Address, _output) = (process, address, output);

    /// <summary>The address the server printed (ends in '/').</summary>
    public Uri Address { get; }

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>What the server printed so far (stdout and stderr).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts <c>dotnet interp.dll serve ARGS</c> and waits until it prints the address it serves.</summary>
    public static ServerProcess Start(string dll, IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 60)
    {
        var start = Start(dll, args, environment);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (builder) builder.AppendLine(line);
            if (ServingLine().Match(line) is { Success: true } m) address.TrySetResult(new Uri(m.Groups[1].Value.TrimEnd('/') + "/"));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => address.TrySetException(new InvalidOperationException($"interp serve exited ({process.ExitCode}): {builder}"));
        if (!address.Task.Wait(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"interp serve printed no address within {timeoutSeconds} s: {builder}");
        }
        return new ServerProcess(process, address.Task.Result, builder);
    }

    /// <summary>Runs <c>dotnet interp.dll ARGS</c> to its end (for refusals): exit code, stdout, stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunToEnd(string dll, IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutSeconds = 60)
    {
        using var process = Process.Start(Start(dll, args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"interp {string.Join(' ', args)} ran past {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private static ProcessStartInfo Start(string dll, IEnumerable<string> args, IDictionary<string, string>? environment)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built (build src/Interp.Cli in {TestPaths.Configuration})", dll);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("INTERP_TOKEN");
        start.Environment.Remove("INTERP_DEBUG");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    [GeneratedRegex(@"^serving (https?://\S+?)/?(\?token=\S*)?$")]
    private static partial Regex ServingLine();
}
