using Interp.Core;
using Interp.Model;
using Interp.Web.Hosting;
using Interp.Web.Live;
using Interp.Web.ModelWorker;
using Interp.Web.Runs;
using Microsoft.AspNetCore.Components;

namespace Interp.Web.Circuits;

/// <summary>
/// What the four circuit pages (attention, logit lens, DLA, patching) share: the model description and model choices,
/// loaded once the page is interactive; one analysis at a time per tab on the model worker (never on the circuit's
/// thread), under the tab's rate limit; and a status line that shows bad input as one line.
/// </summary>
public abstract class CircuitPageBase : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The model worker.</summary>
    [Inject] protected IModelWorker Worker { get; set; } = default!;

    /// <summary>The runs (for the model choices).</summary>
    [Inject] protected IRunCatalog Catalog { get; set; } = default!;

    /// <summary>The tab's request limits.</summary>
    [Inject] protected CircuitRateLimiter Limiter { get; set; } = default!;

    /// <summary>Serve's options.</summary>
    [Inject] protected InterpWebOptions Options { get; set; } = default!;

    /// <summary>The tab's connection.</summary>
    [Inject] protected CircuitLifetime Lifetime { get; set; } = default!;

    /// <summary>The served model, once described.</summary>
    protected ModelDescription? Model { get; private set; }

    /// <summary>The model copies the page can analyse.</summary>
    protected IReadOnlyList<ModelChoice> Choices { get; private set; } = [];

    /// <summary>The chosen <see cref="ModelChoice.Key"/>.</summary>
    protected string ChoiceKey { get; set; } = ModelChoice.Served;

    /// <summary>The status line.</summary>
    protected string Status { get; private set; } = "loading the model…";

    /// <summary>The status line's state, for tests and styling: loading, ready, queued, running, done, error, refused.</summary>
    protected string State { get; private set; } = "loading";

    /// <summary>Whether an analysis is queued or running.</summary>
    protected bool Busy { get; private set; }

    /// <summary>Whether the run button may be pressed.</summary>
    protected bool CanRun => Model is not null && !Busy;

    /// <summary>Most prompt tokens an analysis takes.</summary>
    protected int MaxTokens => Math.Min(Options.MaxInputTokens, Model?.Positions ?? Options.MaxInputTokens);

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Only once interactive (never during prerendering): ask the model worker what the model is.
        if (!firstRender) return;
        try
        {
            Model = await Worker.RunAsync((s, _) => ModelDescription.Of(s.Model), _cancel.Token);
            Choices = ModelChoice.Build(Model, Catalog.Runs());
            SetStatus($"model ready: {Model.Layers} layers, d_model {Model.DModel}, at most {MaxTokens} tokens", "ready");
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e) when (e is InterpException or IOException)
        {
            SetStatus($"the model could not be loaded: {e.Message}", "error");
        }
        StateHasChanged();
    }

    /// <summary>
    /// Runs <paramref name="analysis"/> on the chosen model on the worker; null when it was refused, cancelled or
    /// reported bad input (the status line says why). <paramref name="text"/> is what the rate limiter measures.
    /// </summary>
    protected async Task<T?> AnalyseAsync<T>(string text, Func<Gpt2, T> analysis) where T : class
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (Model is null) return null;
        var folder = (Choices.FirstOrDefault(c => c.Key == ChoiceKey) ?? Choices[0]).SaeFolder;
        using var lease = Limiter.TryAcquire(text, out var refusal);
        if (lease is null)
        {
            SetStatus(refusal!, "refused");
            return null;
        }
        Busy = true;
        SetStatus("queued…", "queued");
        try
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token, Lifetime.ConnectionToken);
            return await Worker.RunAsync((s, ct) =>
            {
                ct.ThrowIfCancellationRequested();
                return analysis(s.ModelFor(folder));
            }, cancel.Token, state => _ = InvokeAsync(() =>
            {
                if (state == WorkState.Running) SetStatus("running…", "running");
                StateHasChanged();
            }));
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (InterpException e)
        {
            SetStatus(e.Message, "error");
            return null;
        }
        finally
        {
            Busy = false;
        }
    }

    /// <summary>Sets the status line.</summary>
    protected void SetStatus(string status, string state) => (Status, State) = (status, state);

    /// <summary>Cancels a queued or running analysis when the circuit goes away.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels the page's work.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        _cancel.Cancel();
        _cancel.Dispose();
    }
}
