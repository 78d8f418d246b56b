using System.CommandLine;
using Interp.Core.Hooks;
using Interp.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp quickstart</c>: the main job on the embedded default model. For now: generate a continuation, then cache one
/// MLP layer's activations on the prompt and show which neuron fires most on each token.
/// </summary>
public static class QuickstartCommand
{
    public static Command Create()
    {
        var (model, device) = (CommonOptions.Model(), CommonOptions.Device());
        var prompt = new Option<string>("--prompt") { Description = "Text to continue and inspect", DefaultValueFactory = _ => "To be, or not to be, that is the question:" };
        var layer = new Option<int?>("--layer") { Description = "Block whose mlp.hook_post to inspect (default: the middle one)" };
        var command = new Command("quickstart", "Run the main job on the embedded default model") { model, device, prompt, layer };
        command.SetAction(CliApp.Guard(parse =>
        {
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!);
            var tokenizer = gpt2.RequireTokenizer();
            var c = gpt2.Config;
            Console.WriteLine($"model    {gpt2.SourceDirectory} ({c.NLayer} layers, d_model {c.NEmbd}, {c.NHead} heads, {c.ParameterCount / 1e6:F1}M parameters) on {gpt2.Device.type}");

            var ids = tokenizer.Encode(parse.GetValue(prompt)!);
            var generated = Generation.Generate(gpt2, ids, new GenerationOptions(MaxNewTokens: 40, Temperature: 0.8, TopK: 40, Seed: 1));
            Console.WriteLine($"generate {Quoted(tokenizer.Decode(generated))}");

            var hook = HookName.MlpPost(parse.GetValue(layer) ?? c.NLayer / 2);
            using var noGrad = no_grad();
            using var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
            var (_, cache) = gpt2.RunWithCache(input, [hook], stopAtLastHook: true);
            using (cache)
            {
                var activations = cache[hook][0];                                          // (T, d_mlp)
                Console.WriteLine($"cache    {hook} [{string.Join(", ", cache[hook].shape)}]: the most active neuron at each token");
                var tokens = tokenizer.TokenStrings(ids);
                using var scope = NewDisposeScope();
                var top = activations.max(1);
                var (values, indices) = (top.values.data<float>().ToArray(), top.indexes.data<long>().ToArray());
                for (var t = 0; t < ids.Length; t++)
                    Console.WriteLine($"  {Quoted(tokens[t]),-16} neuron {indices[t],4}  {values[t],7:F3}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Model text in quotes with control characters escaped (\n stays visible); apostrophes and the like as they are.</summary>
    private static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text, QuotedOptions);

    private static readonly System.Text.Json.JsonSerializerOptions QuotedOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
