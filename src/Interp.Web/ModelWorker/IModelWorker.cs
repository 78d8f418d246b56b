namespace Interp.Web.ModelWorker;

/// <summary>Where a queued request stands.</summary>
public enum WorkState
{
    /// <summary>Waiting behind other requests.</summary>
    Queued,
    /// <summary>The worker has started on it.</summary>
    Running,
}

/// <summary>
/// The one model worker: every tensor operation of the web app runs on its single thread, in request order, so
/// TorchSharp's per-thread dispose scopes and hook registrations are never shared. Pages await plain arrays.
/// </summary>
public interface IModelWorker
{
    /// <summary>Requests waiting (not counting the one running).</summary>
    int Pending { get; }

    /// <summary>
    /// Queues <paramref name="work"/> and completes with its result. A request cancelled before it starts is dropped;
    /// a running one sees the token. <paramref name="onState"/> is called from the worker thread (marshal to the UI
    /// with <c>InvokeAsync</c>).
    /// </summary>
    /// <exception cref="Interp.Core.InterpException">The queue is full, or the work reported bad input.</exception>
    Task<T> RunAsync<T>(Func<ModelSession, CancellationToken, T> work, CancellationToken cancellationToken, Action<WorkState>? onState = null);
}
