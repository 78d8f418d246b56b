using System.Threading.Channels;
using Interp.Core;
using Interp.Web.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interp.Web.ModelWorker;

/// <summary>
/// <see cref="IModelWorker"/>: a bounded <see cref="Channel{T}"/> of requests drained by one dedicated thread that owns
/// the <see cref="ModelSession"/>. Started and stopped with the host; on stop, queued requests are cancelled and the
/// model is disposed on its own thread.
/// </summary>
public sealed class ModelWorkerService : BackgroundService, IModelWorker
{
    private readonly Channel<IWorkItem> _queue;
    private readonly ModelSession _session;
    private readonly ILogger<ModelWorkerService> _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    /// <summary>A worker for the model in <paramref name="options"/>.</summary>
    public ModelWorkerService(InterpWebOptions options, ILogger<ModelWorkerService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _session = new ModelSession(options.ModelDirectory, options.Device, options.Processing);
        _queue = Channel.CreateBounded<IWorkItem>(new BoundedChannelOptions(Math.Max(1, options.WorkerQueueLength))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <inheritdoc />
    public int Pending => Volatile.Read(ref _pending);

    /// <inheritdoc />
    public Task<T> RunAsync<T>(Func<ModelSession, CancellationToken, T> work, CancellationToken cancellationToken, Action<WorkState>? onState = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        var item = new WorkItem<T>(work, cancellationToken, onState);
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _pending);
            return Task.FromException<T>(new InterpException($"the model is busy ({Pending} requests waiting); try again in a moment"));
        }
        onState?.Invoke(WorkState.Queued);
        return item.Task;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var thread = new Thread(() => Loop(stoppingToken)) { IsBackground = true, Name = "interp-model-worker" };
        thread.Start();
        return _stopped.Task;
    }

    private void Loop(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                if (!_queue.Reader.TryRead(out var item))
                {
                    // Blocking here is fine: this is the worker's own thread, never a circuit's.
                    if (!_queue.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult()) break;
                    continue;
                }
                Interlocked.Decrement(ref _pending);
                item.Run(_session);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "model worker stopped");
        }
        finally
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left)) left.Cancel();
            _session.Dispose();
            _stopped.TrySetResult();
        }
    }

    private interface IWorkItem
    {
        void Run(ModelSession session);
        void Cancel();
    }

    private sealed class WorkItem<T>(Func<ModelSession, CancellationToken, T> work, CancellationToken token, Action<WorkState>? onState) : IWorkItem
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _result.Task;

        public void Run(ModelSession session)
        {
            if (token.IsCancellationRequested)
            {
                _result.TrySetCanceled(token);
                return;
            }
            try
            {
                onState?.Invoke(WorkState.Running);
                _result.TrySetResult(work(session, token));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                _result.TrySetCanceled(token);
            }
            catch (Exception e)
            {
                _result.TrySetException(e);
            }
        }

        public void Cancel() => _result.TrySetCanceled();
    }
}
