using Interp.Core;
using Interp.Web.Hosting;
using Interp.Web.Live;
using Interp.Web.ModelWorker;
using Interp.Web.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interp.Web.Tests.Model;

public sealed class ModelWorkerTests : IAsyncLifetime
{
    private readonly ModelWorkerService _worker = new(new InterpWebOptions { ModelDirectory = TestPaths.DefaultModel, WorkerQueueLength = 4 },
        NullLogger<ModelWorkerService>.Instance);

    public Task InitializeAsync() => _worker.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _worker.StopAsync(CancellationToken.None);
        _worker.Dispose();
    }

    [Fact]
    public async Task All_work_runs_on_one_thread_in_the_order_it_was_queued()
    {
        var order = new List<int>();
        var tasks = Enumerable.Range(0, 4).Select(i => _worker.RunAsync((_, _) =>
        {
            order.Add(i);
            return Environment.CurrentManagedThreadId;
        }, CancellationToken.None)).ToArray();

        var threads = await Task.WhenAll(tasks);

        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
        Assert.Equal([0, 1, 2, 3], order);
    }

    [Fact]
    public async Task A_request_cancelled_while_queued_never_runs()
    {
        using var gate = new ManualResetEventSlim();
        var blocker = _worker.RunAsync((_, _) => gate.Wait(TimeSpan.FromSeconds(10)), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = _worker.RunAsync((_, _) => ran = true, cancel.Token);

        await cancel.CancelAsync();
        gate.Set();
        await blocker;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_full_queue_refuses_with_a_line_and_errors_reach_the_caller()
    {
        using var gate = new ManualResetEventSlim();
        var running = _worker.RunAsync((_, _) => gate.Wait(TimeSpan.FromSeconds(10)), CancellationToken.None);
        await Task.Delay(100);
        var queued = Enumerable.Range(0, 4).Select(_ => _worker.RunAsync((_, _) => 0, CancellationToken.None)).ToArray();

        var refused = await Assert.ThrowsAsync<InterpException>(() => _worker.RunAsync((_, _) => 0, CancellationToken.None));
        gate.Set();
        await running;
        await Task.WhenAll(queued);
        var failed = await Assert.ThrowsAsync<InterpException>(() => _worker.RunAsync<int>((_, _) => throw new InterpException("bad input"), CancellationToken.None));

        Assert.Contains("busy", refused.Message, StringComparison.Ordinal);
        Assert.Equal("bad input", failed.Message);
    }

    [Fact]
    public async Task Live_inference_returns_the_most_active_units_and_the_focus_units_values_per_token()
    {
        var text = "To be, or not to be, that is the question.";
        var result = await _worker.RunAsync((s, ct) => LiveInference.Run(s, new LiveRequest(text, "blocks.1.mlp.hook_post", null, 8, null, 256), ct), CancellationToken.None);

        Assert.Equal(text, string.Concat(result.Tokens));
        Assert.Equal(512, result.Width);
        Assert.Equal(8, result.Units.Length);
        Assert.Equal(result.Tokens.Length * 8, result.Values.Length);
        Assert.Equal(result.Units[0], result.FocusUnit);
        Assert.Equal(Enumerable.Range(0, result.Tokens.Length).Select(t => result.At(t, 0)), result.FocusValues);
        var maxima = Enumerable.Range(0, 8).Select(u => Enumerable.Range(0, result.Tokens.Length).Max(t => result.At(t, u))).ToArray();
        Assert.Equal(maxima.OrderDescending(), maxima);
        Assert.False(result.Truncated);
    }

    [Fact]
    public async Task Live_inference_reads_sae_latents_cuts_long_text_and_names_bad_input()
    {
        var run = FixtureRun.Shared;
        var latents = await _worker.RunAsync((s, ct) => LiveInference.Run(s, new LiveRequest(string.Concat(Enumerable.Repeat("the cat ", 50)), "", run.SaeFolder, 4, 3, 16), ct), CancellationToken.None);

        Assert.Equal(FixtureRun.SaeSource, latents.Source);
        Assert.Equal(256, latents.Width);
        Assert.Equal(16, latents.Tokens.Length);
        Assert.True(latents.Truncated);
        Assert.Equal(3, latents.FocusUnit);

        var e = await Assert.ThrowsAsync<InterpException>(() => _worker.RunAsync((s, ct) => LiveInference.Run(s, new LiveRequest("hi", "blocks.1.mlp.hook_post", null, 4, 9999, 16), ct), CancellationToken.None));
        Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InterpException>(() => _worker.RunAsync((s, ct) => LiveInference.Run(s, new LiveRequest("hi", "blocks.0.attn.hook_pattern", null, 4, null, 16), ct), CancellationToken.None));
    }

    [Fact]
    public async Task Steering_returns_both_continuations_and_a_strong_push_changes_the_text()
    {
        var request = new SteeringRequest("The king said", "blocks.1.hook_resid_post", null, 5, 200, 12, 0, 0, 64);

        var steered = await _worker.RunAsync((s, ct) => Steering.Run(s, request, ct), CancellationToken.None);
        var unsteered = await _worker.RunAsync((s, ct) => Steering.Run(s, request with { Strength = 0 }, ct), CancellationToken.None);

        Assert.Equal("The king said", steered.Prompt);
        Assert.Equal("blocks.1.hook_resid_post/5", steered.Unit);
        Assert.NotEmpty(steered.Baseline);
        Assert.Equal(unsteered.Baseline, unsteered.Steered);
        Assert.NotEqual(steered.Baseline, steered.Steered);
    }

    [Fact]
    public async Task Steering_an_sae_latent_uses_its_decoder_direction()
    {
        var request = new SteeringRequest("The king said", "", FixtureRun.Shared.SaeFolder, 7, 100, 8, 0, 0, 64);

        var result = await _worker.RunAsync((s, ct) => Steering.Run(s, request, ct), CancellationToken.None);

        Assert.Equal($"{FixtureRun.SaeSource}/7", result.Unit);
        Assert.NotEqual(result.Baseline, result.Steered);
    }
}
