using System.Net;
using Interp.AutoInterp.Llm;

namespace Interp.AutoInterp.Tests;

/// <summary>The loopback HTTP plumbing the bench's instant chat server and the tests' replay server share.</summary>
public sealed class LoopbackHttpServerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task It_listens_on_127_0_0_1_hands_each_request_to_the_handler_and_aborts_a_handler_that_throws()
    {
        await using var server = LoopbackHttpServer.Start(async (context, _) =>
        {
            if (LoopbackHttpServer.PathOf(context.Request) == "/fail") throw new InvalidOperationException("handler failed");
            await LoopbackHttpServer.WriteJsonAsync(context.Response, 201, $$"""{"path":"{{LoopbackHttpServer.PathOf(context.Request)}}"}""");
        });
        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", server.Address);
        using var http = new HttpClient { Timeout = Guard };

        using var ok = await http.GetAsync(server.Address + "/v1/models/");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal("application/json", ok.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"path":"/v1/models"}""", await ok.Content.ReadAsStringAsync());

        // Aborted: the connection is closed with nothing written (Linux's managed HttpListener shows it as an empty 200,
        // or HttpClient, retrying the GET, reports the connection closed).
        try
        {
            using var failed = await http.GetAsync(server.Address + "/fail");
            Assert.Equal("", await failed.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException) { }
        using var after = await http.GetAsync(server.Address + "/again");      // a failed handler does not stop the server
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    [Fact]
    public async Task Disposing_it_cancels_the_handlers_in_flight_and_stops_listening()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = LoopbackHttpServer.Start(async (context, stopping) =>
        {
            entered.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, stopping); }
            catch (OperationCanceledException) { cancelled.TrySetResult(); throw; }
            await LoopbackHttpServer.WriteJsonAsync(context.Response, 200, "{}");
        });
        var address = server.Address;
        using var http = new HttpClient { Timeout = Guard };
        var hanging = http.GetAsync(address + "/hang");
        await entered.Task.WaitAsync(Guard);

        await server.DisposeAsync();

        await cancelled.Task.WaitAsync(Guard);
        // The cut request ends as an empty response, or refused when HttpClient retries it on a new connection
        // (it may: nothing of the response was sent); either way it got no answer from the handler.
        try
        {
            using var aborted = await hanging;
            Assert.Equal("", await aborted.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException) { }
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(address + "/after"));
    }
}
