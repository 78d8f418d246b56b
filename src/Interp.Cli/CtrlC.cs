namespace Interp.Cli;

/// <summary>
/// Ctrl+C for a running job: the first press cancels <see cref="Token"/> instead of killing the process, so the job stops
/// at its next safe point and keeps what it finished; the verb then exits with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    /// <summary>The exit code of a verb stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int ExitCode = 130;

    private readonly CancellationTokenSource _cancel = new();
    private readonly ConsoleCancelEventHandler _onCancel;

    public CtrlC()
    {
        _onCancel = (_, e) =>
        {
            e.Cancel = true;
            _cancel.Cancel();
        };
        Console.CancelKeyPress += _onCancel;
    }

    /// <summary>Cancelled by the first Ctrl+C.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// Runs <paramref name="work"/> with a token Ctrl+C cancels. When it is cancelled, prints <paramref name="resumeLine"/>
    /// (what was kept and how to continue) on stderr and returns false; the caller returns <see cref="ExitCode"/>.
    /// </summary>
    public static bool TryRun<T>(Func<CancellationToken, T> work, string resumeLine, out T result)
    {
        using var ctrlC = new CtrlC();
        try
        {
            result = work(ctrlC.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine(resumeLine);
            result = default!;
            return false;
        }
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        _cancel.Dispose();
    }
}
