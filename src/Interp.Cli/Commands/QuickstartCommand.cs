using System.CommandLine;
using Interp.Cli.Quickstart;
using Interp.Core;
using Interp.Core.Hooks;
using Interp.Model.Harvest;
using Interp.Sae;
using Interp.Web.Hosting;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp quickstart</c>: the whole pipeline on the embedded model (or <c>--model</c>) — harvest a residual and an MLP
/// hook, train and evaluate a TopK SAE, build records of the MLP's neurons and the SAE's latents, explain and score them —
/// then serve the browser UI on the run. Each step is an ordinary verb, printed as the command a user would type, and is
/// skipped when its output is complete; an interrupted run resumes where it stopped.
/// </summary>
public static class QuickstartCommand
{
    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var corpus = new Option<string[]>("--corpus") { Description = $"{CorpusOptions.Accepts} (default: data/corpora/tinyshakespeare.txt)", AllowMultipleArgumentsPerToken = true };
        var textField = CorpusOptions.TextField();
        var output = new Option<string>("--out") { Description = "Run folder", DefaultValueFactory = _ => Path.Combine("runs", "quickstart") };
        var urls = new Option<string>("--urls") { Description = "Where the UI listens (port 0 picks a free port)", DefaultValueFactory = _ => InterpWebOptions.DefaultUrls };
        var token = new Option<string?>("--token") { Description = $"Access token for the UI (default: ${InterpWebOptions.TokenVariable}); required to listen beyond loopback" };
        var tokens = new Option<long>("--tokens") { Description = "Corpus tokens to harvest (the first ones; capped at 90 % of the corpus so the rest evaluates the SAE)", DefaultValueFactory = _ => 204_800 };
        var evalTokens = new Option<long>("--eval-tokens") { Description = "Held-out tokens (after the harvested ones) to evaluate the SAE on", DefaultValueFactory = _ => 32_768 };
        var saeTokens = new Option<long>("--sae-tokens") { Description = "Activation rows the SAE trains on (shuffled passes over the harvest)", DefaultValueFactory = _ => 1_228_800 };
        var dSae = new Option<int?>("--d-sae") { Description = $"SAE latents (default {TrainSaeJobOptions.ExpansionFactor} × d_model)" };
        var k = new Option<int>("--k") { Description = "Latents per token of the TopK SAE", DefaultValueFactory = _ => QuickstartSettings.DefaultK };
        var layer = new Option<int?>("--layer") { Description = "The SAE reads blocks.L.hook_resid_pre and the neurons are blocks.(L-1).mlp.hook_post (default L: n_layer / 2)" };
        var explainer = new Option<string>("--explainer") { Description = "auto (llm when INTERP_LLM_MODEL is set, else offline), offline or llm", DefaultValueFactory = _ => "auto" };
        var transcoders = new Option<bool>("--transcoders") { Description = "Also train a TopK transcoder per layer (with records and explanations) and serve the attribution graph page" };
        var noServe = new Option<bool>("--no-serve") { Description = "Stop after the pipeline instead of serving the UI" };
        var quiet = CommonOptions.Quiet();
        var threads = ThreadsOption.Create();
        var command = new Command("quickstart", "The whole pipeline on the embedded model, then the browser UI: harvest, SAE, records, explanations, serve")
            { model, device, corpus, textField, output, urls, token, tokens, evalTokens, saeTokens, dSae, k, layer, explainer, transcoders, threads, noServe, quiet };
        // The harvest takes these; the SAE's cfg.json records them and the later stages follow it.
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        var flags = new Dictionary<string, string>(ServeCommand.Flags) { [nameof(HarvestJobOptions.TextField)] = "--text-field" };
        command.SetAction(CliApp.Guard(flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);                                            // the UI's live model too
            var settings = Settings(parse.GetValue(model), parse.GetValue(device)!, parse.GetValue(corpus), parse.GetValue(textField)!, parse.GetValue(output)!,
                parse.GetValue(tokens), parse.GetValue(evalTokens), parse.GetValue(saeTokens), parse.GetValue(dSae), parse.GetValue(k), parse.GetValue(layer),
                parse.GetValue(explainer)!) with { Threads = parse.GetValue(threads), Processing = processing.Read(parse), Quiet = parse.GetValue(quiet) };
            if (parse.GetValue(transcoders))
                settings = settings with { Transcoders = true, TranscoderHarvestTokens = Math.Min(settings.HarvestTokens, QuickstartSettings.DefaultTranscoderHarvestTokens) };
            var (addresses, accessToken) = (parse.GetValue(urls)!, parse.GetValue(token));
            if (!parse.GetValue(noServe) && Web.Security.BindingPolicy.Refusal(addresses,
                    accessToken ?? Environment.GetEnvironmentVariable(InterpWebOptions.TokenVariable)) is { } refusal)
                throw refusal;                                                                 // before any work, not after it

            var layout = new QuickstartLayout(settings.OutDirectory);
            var times = new List<StageTime>();
            using (FolderLock.Acquire(layout.Run))                                          // one pipeline per run folder; serving only reads
            {
                var code = QuickstartRunner.Run(QuickstartPlan.Stages(settings, layout), layout.Run, Console.Out, times);
                if (code != 0) return code;
            }

            var runName = Path.GetFileName(Path.GetFullPath(layout.Run).TrimEnd(Path.DirectorySeparatorChar));
            Console.WriteLine();
            Console.WriteLine($"done     {times.Sum(t => t.Seconds):F0} s ({string.Join(", ", times.Select(t => $"{t.Stage} {(t.Skipped ? "skipped" : $"{t.Seconds:F0} s")}"))})");
            foreach (var line in QuickstartReport.Describe(layout)) Console.WriteLine(line);
            if (parse.GetValue(noServe))
            {
                Console.WriteLine($"browse   interp serve --runs {layout.Run}");
                return 0;
            }
            Console.WriteLine();
            return ServeCommand.Serve(layout.Run, settings.Model, settings.Device, addresses, accessToken, (bases, query) =>
            {
                foreach (var line in QuickstartReport.Links(layout, runName, bases[0], query)) Console.WriteLine(line);
            }, processing: settings.Processing);
        }));
        return command;
    }

    /// <summary>
    /// Checks the model and corpus before any work (one line on bad input) and sizes the stages to them: hooks from the
    /// model's depth, the harvest capped so that some corpus is left over to evaluate the SAE on.
    /// </summary>
    private static QuickstartSettings Settings(string? model, string device, string[]? corpus, string textField, string output, long tokens, long evalTokens, long saeTokens,
        int? dSae, int k, int? layer, string explainer)
    {
        const int ctx = ContextBuilder.DefaultCtx;
        if (tokens < ctx) throw new InterpException($"--tokens {tokens}: must be at least one context ({ctx})");
        if (evalTokens < 0) throw new InterpException($"--eval-tokens {evalTokens}: must not be negative");
        if (saeTokens <= 0) throw new InterpException($"--sae-tokens {saeTokens}: must be positive");
        if (k <= 0) throw new InterpException($"--k {k}: must be positive");
        var explainerKind = explainer switch
        {
            "auto" => Environment.GetEnvironmentVariable("INTERP_LLM_MODEL") is { Length: > 0 } ? "llm" : "offline",
            "offline" or "llm" => explainer,
            _ => throw new InterpException($"--explainer {explainer}: expected auto, offline or llm"),
        };
        var files = corpus is { Length: > 0 } ? corpus : [RepoPaths.DataFile(Path.Combine("corpora", "tinyshakespeare.txt"))];

        using var gpt2 = CommonOptions.LoadModel(model, device);
        var c = gpt2.Config;
        var (stream, _) = ContextBuilder.Tokenize(files, gpt2.RequireTokenizer(), SizingTokens(tokens, evalTokens, ctx), warn: null,   // the harvest stage warns
            textField);
        var wholeContexts = stream.Length / ctx;
        if (wholeContexts < 2) throw new InterpException($"--corpus: {stream.Length:N0} tokens is too little; the quickstart needs at least {2 * ctx} tokens");
        var harvest = Math.Min(tokens / ctx, Math.Max(1, wholeContexts * 9 / 10)) * ctx;
        var leftOver = (stream.Length - harvest) / ctx * ctx;
        var l = layer ?? c.NLayer / 2;
        if (l < 1 || l >= c.NLayer) throw new InterpException($"--layer {l}: must be between 1 and {c.NLayer - 1} (the model has {c.NLayer} layers)");
        var latents = dSae ?? TrainSaeJobOptions.ExpansionFactor * c.NEmbd;
        if (latents < k) throw new InterpException($"--d-sae {latents}: must be at least --k {k}");

        return new QuickstartSettings
        {
            Model = model, Device = device, Corpus = files, TextField = textField, OutDirectory = output,
            SaeHook = HookName.ResidPre(l).ToString(), MlpHook = HookName.MlpPost(l - 1).ToString(), Ctx = ctx,
            HarvestTokens = harvest, EvalTokens = Math.Min(evalTokens, leftOver), SaeTrainingTokens = saeTokens,
            DSae = latents, K = k, Explainer = explainerKind, Layers = c.NLayer,
        };
    }

    /// <summary>
    /// Corpus tokens past which a longer corpus sizes the stages no differently: the harvest is then --tokens (not 9/10 of
    /// the corpus) and --eval-tokens fit in what is left. Tokenising stops there.
    /// </summary>
    private static long SizingTokens(long tokens, long evalTokens, int ctx)
    {
        var harvest = tokens / ctx;
        var contexts = Math.Max(harvest + (harvest + 8) / 9, harvest + evalTokens / ctx + (evalTokens % ctx == 0 ? 0 : 1)) + 1;
        return contexts > long.MaxValue / ctx ? long.MaxValue : contexts * ctx;
    }
}
