using Interp.Web.Hosting;

namespace Interp.Web.Tests.Hosting;

public sealed class CircuitLifetimeTests
{
    [Fact]
    public async Task A_dropped_connection_cancels_its_token_and_a_reconnect_starts_a_fresh_one()
    {
        using var lifetime = new CircuitLifetime();
        var first = lifetime.ConnectionToken;

        await lifetime.OnConnectionDownAsync(null!, CancellationToken.None);
        await lifetime.OnConnectionUpAsync(null!, CancellationToken.None);

        Assert.True(first.IsCancellationRequested);
        Assert.False(lifetime.ConnectionToken.IsCancellationRequested);
        await lifetime.OnCircuitClosedAsync(null!, CancellationToken.None);
        Assert.True(lifetime.ConnectionToken.IsCancellationRequested);
    }
}
