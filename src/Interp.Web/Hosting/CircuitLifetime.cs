using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Interp.Web.Hosting;

/// <summary>
/// Per circuit (scoped): a token cancelled as soon as the browser's connection drops or the circuit closes, so that
/// model requests of a tab that went away are dropped from the worker's queue (or stopped) at once rather than when
/// the disconnected circuit is finally discarded. A reconnect starts a fresh token.
/// </summary>
public sealed class CircuitLifetime : CircuitHandler, IDisposable
{
    private CancellationTokenSource _connection = new();

    /// <summary>Cancelled when the current connection goes down.</summary>
    public CancellationToken ConnectionToken => Volatile.Read(ref _connection).Token;

    /// <inheritdoc />
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Volatile.Read(ref _connection).Cancel();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection).IsCancellationRequested) Interlocked.Exchange(ref _connection, new CancellationTokenSource()).Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Volatile.Read(ref _connection).Cancel();
        return Task.CompletedTask;
    }

    /// <summary>Cancels and releases the token.</summary>
    public void Dispose()
    {
        _connection.Cancel();
        _connection.Dispose();
    }
}
