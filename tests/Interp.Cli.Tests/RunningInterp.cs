using System.Diagnostics;
using System.Text;

namespace Interp.Cli.Tests;

/// <summary>The real <c>interp</c> program running in the background, its stdout collected line by line so a test can wait for a line, then talk to it or kill it.</summary>
internal sealed class RunningInterp : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _stderr = new();

    public RunningInterp(IEnumerable<string> args)
    {
        _process = new Process { StartInfo = InterpProcess.StartInfo(args) };
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_lines) _lines.Add(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_stderr) _stderr.AppendLine(line); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The stdout lines so far.</summary>
    public List<string> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>Waits for the first stdout line (after <paramref name="after"/> lines) that matches; fails if the process exits or the time runs out first.</summary>
    public (string Line, int Index) WaitForLine(Func<string, bool> match, TimeSpan timeout, int after = 0)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var lines = Lines;
            for (var i = after; i < lines.Count; i++)
                if (match(lines[i])) return (lines[i], i);
            if (_process.HasExited && Lines.Count == lines.Count)
                Assert.Fail($"interp exited ({_process.ExitCode}) before the line came.\nstdout:\n{string.Join('\n', lines)}\nstderr:\n{Stderr}");
            if (clock.Elapsed > timeout)
                Assert.Fail($"no such line within {timeout.TotalSeconds:F0} s.\nstdout:\n{string.Join('\n', lines)}\nstderr:\n{Stderr}");
            Thread.Sleep(50);
        }
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>SIGKILL, as a crash or a closed terminal would.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
