using System.CommandLine;
using Interp.Core;
using Interp.Model;

namespace Interp.Cli;

/// <summary>Options shared by verbs, and loading the model they name.</summary>
public static class CommonOptions
{
    public static Option<string?> Model() => new("--model")
    {
        Description = "Model folder (Hugging Face GPT-2 layout) or hub name such as gpt2; default: the embedded model in data/models/default",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when present), cpu or cuda",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>
    /// Flags every verb spells the same way, by the option names library messages use (a model, a device, an output
    /// folder, replacing it); <see cref="CliApp.Guard(IReadOnlyDictionary{string, string}, Func{System.CommandLine.ParseResult, int})"/>
    /// falls back on them.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        ["Model"] = "--model", ["Device"] = "--device", ["OutDirectory"] = "--out", ["Overwrite"] = "--overwrite",
        ["BuildRecordsInto"] = "`interp records --out DIR`",                            // a records store is missing: how to build one
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document on stdout and nothing else" };

    public static Option<bool> Quiet() => new("--quiet") { Description = "Show no progress (it goes to stderr: a bar on a terminal, else a line every few seconds)" };

    /// <summary>
    /// Resolves and loads the model, with TransformerLens weight processing when asked; download progress (hub names)
    /// goes to stderr so stdout stays clean.
    /// </summary>
    public static Gpt2 LoadModel(string? model, string device, TlProcessing? processing = null)
    {
        var directory = ModelSource.Resolve(model, (file, done, total) =>
            Console.Error.Write($"\rdownloading {file}: {done / 1e6:F1}{(total is { } t ? $" / {t / 1e6:F1}" : "")} MB   "));
        return Gpt2.Load(directory, DeviceSelection.Resolve(device), processing);
    }
}
