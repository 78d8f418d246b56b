using System.CommandLine;
using Interp.Core.Tokenization;
using Interp.Model;

namespace Interp.Cli.Commands;

/// <summary><c>interp tokenize --text "..." [--json]</c>: GPT-2 token ids and their display strings.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var text = new Option<string>("--text") { Description = "Text to tokenize", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("tokenize", "Tokenize text with the model's GPT-2 tokenizer") { model, text, json };
        command.SetAction(CliApp.Guard(parse =>
        {
            var tokenizer = Gpt2Tokenizer.FromDirectory(ModelSource.Resolve(parse.GetValue(model)));
            var ids = tokenizer.Encode(parse.GetValue(text)!);
            var tokens = tokenizer.TokenStrings(ids);
            if (parse.GetValue(json))
                JsonOutput.Write(w =>
                {
                    w.WriteStartArray("ids");
                    foreach (var id in ids) w.WriteNumberValue(id);
                    w.WriteEndArray();
                    w.WriteStartArray("tokens");
                    foreach (var token in tokens) w.WriteStringValue(token);
                    w.WriteEndArray();
                });
            else
                for (var i = 0; i < ids.Length; i++) Console.WriteLine($"{ids[i],6}  {System.Text.Json.JsonSerializer.Serialize(tokens[i])}");
            return 0;
        }));
        return command;
    }
}
