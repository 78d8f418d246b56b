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
        var command = new Command("serve", "Browse runs, units and explanations in the browser; run the model live") { runs, model, device, urls, token };
        command.SetAction(CliApp.Guard(parse =>
        {
            var accessToken = parse.GetValue(token) is { Length: > 0 } t ? t
                : Environment.GetEnvironmentVariable(InterpWebOptions.TokenVariable) is { Length: > 0 } e ? e : null;
            var addresses = parse.GetValue(urls)!;
            if (BindingPolicy.Refusal(addresses, accessToken) is { } refusal) throw new InterpException(refusal);
            var deviceName = parse.GetValue(device)!;
            DeviceSelection.Resolve(deviceName);
            var modelDirectory = ModelSource.Resolve(parse.GetValue(model), (file, done, total) =>
                Console.Error.Write($"\rdownloading {file}: {done / 1e6:F1}{(total is { } n ? $" / {n / 1e6:F1}" : "")} MB   "));
            if (!File.Exists(Path.Combine(modelDirectory, "config.json"))) throw new InterpException($"--model {modelDirectory}: no config.json there");
            var runsDirectory = Path.GetFullPath(parse.GetValue(runs)!);

            using var app = InterpWebApp.Build(new InterpWebOptions
            {
                RunsDirectory = runsDirectory,
                ModelDirectory = modelDirectory,
                Device = deviceName,
                Urls = addresses,
                Token = accessToken,
            });
            try
            {
                app.Start();
            }
            catch (IOException ex)
            {
                throw new InterpException($"cannot listen on {addresses}: {ex.Message.Split('\n')[0]}");
            }
            foreach (var address in InterpWebApp.Addresses(app))
                Console.WriteLine($"serving {address.TrimEnd('/')}/{(accessToken is null ? "" : "?token=" + Uri.EscapeDataString(accessToken))}");
            Console.WriteLine($"runs     {runsDirectory}{(Directory.Exists(runsDirectory) ? "" : " (not there yet: the Runs page is empty)")}");
            Console.WriteLine($"model    {modelDirectory} (loaded on the first live request)");
            Console.WriteLine("Ctrl+C stops the server");
            app.WaitForShutdown();
            return 0;
        }));
        return command;
    }
}
