using System.CommandLine;
using Interp.Core;
using Interp.Model;
using Interp.Web.Hosting;
using Interp.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp serve [--runs DIR] [--model DIR] [--urls URL] [--token T]</c>: the browser UI (Blazor Server) over a folder
/// of runs, with live inference and steering on the model. Listens on 127.0.0.1:5000 by default; any other address
/// needs an access token (<c>--token</c> or <c>INTERP_TOKEN</c>), checked on every request.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var runs = new Option<string>("--runs") { Description = "Folder of runs (runs/<name>/{activations,sae,records,autointerp}), or one run folder", DefaultValueFactory = _ => "runs" };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';' (port 0 picks a free port)", DefaultValueFactory = _ => InterpWebOptions.DefaultUrls };
        var token = new Option<string?>("--token") { Description = $"Access token every request must carry (default: ${InterpWebOptions.TokenVariable}); required to listen beyond loopback" };
        var logMemory = new Option<int>("--log-memory") { Description = "Every N seconds, print the managed heap (after a full collection) and the working set; 0: never", DefaultValueFactory = _ => 0 };
        var threads = ThreadsOption.Create();
        var command = new Command("serve", "Browse runs, units and explanations in the browser; run the model live") { runs, model, device, urls, token, logMemory, threads };
        // Without these flags the live model follows each SAE's cfg.json (model_from_pretrained_kwargs).
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            return Serve(parse.GetValue(runs)!, parse.GetValue(model), parse.GetValue(device)!, parse.GetValue(urls)!, parse.GetValue(token),
                memoryEvery: parse.GetValue(logMemory), processing: processing.Read(parse));
        }));
        return command;
    }

    /// <summary>The app's listening options (by property name) → the flags of serve and quickstart, for refused options.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        [nameof(InterpWebOptions.Urls)] = "--urls", [nameof(InterpWebOptions.Token)] = "--token",
    };

    /// <summary>
    /// Starts the app on <paramref name="urls"/> over <paramref name="runsFolder"/>, prints where it listens, calls
    /// <paramref name="started"/> with the base addresses and the token query (quickstart prints its pages), and blocks until Ctrl+C.
    /// </summary>
    public static int Serve(string runsFolder, string? model, string deviceName, string urls, string? token, Action<IReadOnlyList<string>, string>? started = null,
        int memoryEvery = 0, TlProcessing? processing = null)
    {
        if (memoryEvery < 0) throw new InterpException($"--log-memory {memoryEvery}: must not be negative");
        var accessToken = token is { Length: > 0 } ? token
            : Environment.GetEnvironmentVariable(InterpWebOptions.TokenVariable) is { Length: > 0 } e ? e : null;
        if (BindingPolicy.Refusal(urls, accessToken) is { } refusal) throw refusal;
        DeviceSelection.Resolve(deviceName);
        var modelDirectory = ModelSource.Resolve(model, (file, done, total) =>
            Console.Error.Write($"\rdownloading {file}: {done / 1e6:F1}{(total is { } n ? $" / {n / 1e6:F1}" : "")} MB   "));
        if (!File.Exists(Path.Combine(modelDirectory, "config.json"))) throw new InterpException($"--model {modelDirectory}: no config.json there");
        var runsDirectory = Path.GetFullPath(runsFolder);

        using var app = InterpWebApp.Build(new InterpWebOptions
        {
            RunsDirectory = runsDirectory,
            ModelDirectory = modelDirectory,
            Device = deviceName,
            Processing = processing,
            Urls = urls,
            Token = accessToken,
        });
        try
        {
            app.Start();
        }
        catch (IOException ex)
        {
            throw new InterpException($"cannot listen on {urls}: {ex.Message.Split('\n')[0]}");
        }
        var addresses = InterpWebApp.Addresses(app).Select(a => a.TrimEnd('/') + "/").ToArray();
        var query = accessToken is null ? "" : "?token=" + Uri.EscapeDataString(accessToken);
        foreach (var address in addresses) Console.WriteLine($"serving {address}{query}");
        Console.WriteLine($"runs     {runsDirectory}{(Directory.Exists(runsDirectory) ? "" : " (not there yet: the Runs page is empty)")}");
        Console.WriteLine($"model    {modelDirectory} (loaded on the first live request)");
        started?.Invoke(addresses, query);
        Console.WriteLine("Ctrl+C stops the server");
        // A full collection every N seconds costs a pause; only asked for when watching memory (the load test does).
        using var memoryTimer = memoryEvery > 0
            ? new Timer(_ => Console.WriteLine(MemoryReport.Line()), null, TimeSpan.FromSeconds(memoryEvery), TimeSpan.FromSeconds(memoryEvery))
            : null;
        app.WaitForShutdown();
        return 0;
    }
}
