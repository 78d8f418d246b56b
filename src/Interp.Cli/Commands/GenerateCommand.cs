using System.CommandLine;
using Interp.Model;

namespace Interp.Cli.Commands;

/// <summary><c>interp generate --prompt "..." --max-new-tokens N [--temperature T] [--top-k K] [--seed S]</c>.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var (model, device, json) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json());
        var prompt = new Option<string>("--prompt") { Description = "Text to continue", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 32 };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy; > 0 samples", DefaultValueFactory = _ => 0 };
        var topK = new Option<int>("--top-k") { Description = "Sample only among the K most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<long>("--seed") { Description = "Random seed for sampling", DefaultValueFactory = _ => 0 };
        var threads = ThreadsOption.Create();
        var command = new Command("generate", "Continue a prompt (greedy or sampled, with a KV cache)")
            { model, device, prompt, maxNew, temperature, topK, seed, threads, json };
        var processing = new TlProcessingOptions();
        processing.AddTo(command);
        command.SetAction(CliApp.Guard(new Dictionary<string, string> { [nameof(GenerationOptions.MaxNewTokens)] = "--max-new-tokens" }, parse =>
        {
            ThreadsOption.Apply(parse, threads);
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!, processing.Read(parse));
            var tokenizer = gpt2.RequireTokenizer();
            var promptIds = tokenizer.Encode(parse.GetValue(prompt)!);
            var options = new GenerationOptions(parse.GetValue(maxNew), parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(seed));
            var ids = Generation.Generate(gpt2, promptIds, options);
            var text = tokenizer.Decode(ids);
            if (parse.GetValue(json))
                JsonOutput.Write(w =>
                {
                    w.WriteStartArray("ids");
                    foreach (var id in ids) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WriteString("text", text);
                });
            else Console.WriteLine(text);
            return 0;
        }));
        return command;
    }
}
