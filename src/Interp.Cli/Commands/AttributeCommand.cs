using System.CommandLine;
using System.Diagnostics;
using Interp.Circuits;
using Interp.Circuits.Attribution;
using Interp.Core;
using Interp.Core.Tokenization;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp attribute (--ids 1,2,3 | --prompt TEXT) --transcoders DIR… [--no-prune] [--node-threshold X]
/// [--edge-threshold X] [--max-logits N] [--out FILE] [--json]</c>: a prompt's attribution graph over one transcoder per
/// block (<see cref="AttributionGraphBuilder"/>), as JSON or a summary.
/// </summary>
public static class AttributeCommand
{
    private static readonly Dictionary<string, string> Flags = new()
    {
        [nameof(AttributionOptions.NodeThreshold)] = "--node-threshold",
        [nameof(AttributionOptions.EdgeThreshold)] = "--edge-threshold",
        [nameof(AttributionOptions.MaxLogits)] = "--max-logits",
    };

    public static Command Create()
    {
        var (model, device, json) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json());
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids, taken as given (no BOS added)" };
        var prompt = new Option<string?>("--prompt") { Description = "Text to attribute, tokenized with the model's tokenizer (after <|endoftext|> unless --no-prepend-bos)" };
        var bos = BosOption.Create();
        var transcoders = new Option<string[]>("--transcoders")
        {
            Description = "Transcoder folders (one per block), or a folder of layer-<L>/ folders such as a run's transcoders/",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var defaults = new AttributionOptions();
        var noPrune = new Option<bool>("--no-prune") { Description = "Keep the complete graph (by default nodes and edges are pruned by their influence on the logits)" };
        var nodeThreshold = new Option<double>("--node-threshold") { Description = "Pruning keeps the nodes holding this fraction of the influence on the logits", DefaultValueFactory = _ => defaults.NodeThreshold };
        var edgeThreshold = new Option<double>("--edge-threshold") { Description = "Pruning keeps the edges holding this fraction of the edge influence", DefaultValueFactory = _ => defaults.EdgeThreshold };
        var maxLogits = new Option<int>("--max-logits") { Description = "At most this many next-token logits (the most probable, until 95% of the probability)", DefaultValueFactory = _ => defaults.MaxLogits };
        var output = new Option<string?>("--out") { Description = "Also write the graph's JSON to this file" };
        var threads = ThreadsOption.Create();
        var command = new Command("attribute", "A prompt's attribution graph through transcoders: features, errors, embeddings, biases and logits linked by direct linear effects")
            { model, device, ids, prompt, bos.On, bos.Off, transcoders, noPrune, nodeThreshold, edgeThreshold, maxLogits, output, threads, json };
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(Flags, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            var options = new AttributionOptions(!parse.GetValue(noPrune), parse.GetValue(nodeThreshold), parse.GetValue(edgeThreshold), parse.GetValue(maxLogits));
            options.Validate();
            var (idsText, promptText, prependBos) = (parse.GetValue(ids), parse.GetValue(prompt), bos.Read(parse));
            if ((idsText is null) == (promptText is null)) throw new InterpException("give the tokens with --ids or --prompt (one of them)");
            if (idsText is not null && prependBos is not null) throw new InterpException("--prepend-bos and --no-prepend-bos apply to --prompt; --ids are taken as given");
            var outPath = parse.GetValue(output);
            if (outPath is not null) OutputPath.ForFile(outPath);                               // a folder or fifo there: one line, before the work

            var modelDevice = Interp.Model.DeviceSelection.Resolve(parse.GetValue(device)!);
            var loaded = TranscoderFolders.Load(parse.GetValue(transcoders)!, modelDevice);
            try
            {
                var wanted = loaded.Select(t => t.Config.ModelProcessing).Distinct().ToArray();
                if (wanted.Length > 1) throw new InterpException($"the transcoders were trained on differently processed models ({string.Join("; ", wanted)})");
                using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!, processing.Read(parse) ?? wanted[0]);
                var tokens = idsText is not null ? TokenIds.Parse(idsText) : Tokenize(gpt2.RequireTokenizer(), promptText!, prependBos ?? true);
                var clock = Stopwatch.StartNew();
                var graph = AttributionGraphBuilder.Build(gpt2, loaded, tokens, options);
                var seconds = clock.Elapsed.TotalSeconds;
                if (outPath is not null) AttributionGraphJson.Write(outPath, graph);
                if (parse.GetValue(json)) JsonOutput.Write(w => AttributionGraphJson.WriteProperties(w, graph));
                else AttributionSummary.Print(graph, options, seconds, outPath);
            }
            finally
            {
                foreach (var t in loaded) t.Dispose();
            }
            return 0;
        }));
        return command;
    }

    private static int[] Tokenize(Gpt2Tokenizer tokenizer, string text, bool prependBos)
    {
        var encoded = tokenizer.Encode(text);
        int[] tokens = prependBos ? [Gpt2Tokenizer.EndOfTextId, .. encoded] : encoded;
        return tokens.Length > 0 ? tokens : throw new InterpException("--prompt: the text has no tokens");
    }
}
