using Interp.Web.Live;
using Interp.Web.ModelWorker;
using Interp.Web.Runs;
using Interp.Web.Units;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Interp.Web.Hosting;

/// <summary>The app's services, registered in one place.</summary>
public static class InterpServices
{
    /// <summary>
    /// Registers the options, the run catalog and unit pages (singletons over the runs folder), the one model worker
    /// (a singleton hosted service), the per-circuit rate limiter and connection lifetime (scoped: one per browser tab), and Blazor's
    /// interactive server components.
    /// </summary>
    public static TBuilder AddInterpServices<TBuilder>(this TBuilder builder, InterpWebOptions options) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IRunCatalog>(_ => new RunCatalog(options.RunsDirectory));
        services.AddSingleton<IUnitPageSource, RecordsUnitPageSource>();
        services.AddSingleton<ModelWorkerService>();
        services.AddSingleton<IModelWorker>(sp => sp.GetRequiredService<ModelWorkerService>());
        services.AddHostedService(sp => sp.GetRequiredService<ModelWorkerService>());
        services.AddScoped<CircuitRateLimiter>();
        services.AddScoped<CircuitLifetime>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitLifetime>());
        services.AddRazorComponents()
            .AddInteractiveServerComponents(o =>
            {
                o.DisconnectedCircuitMaxRetained = 20;
                o.DisconnectedCircuitRetentionPeriod = TimeSpan.FromMinutes(1);
            });
        return builder;
    }
}
