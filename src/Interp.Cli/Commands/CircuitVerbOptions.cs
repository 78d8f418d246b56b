using System.CommandLine;
using Interp.Model;

namespace Interp.Cli.Commands;

/// <summary>
/// The options every circuit verb (<c>logit-lens</c>, <c>dla</c>, <c>patch</c>, <c>attention</c>) shares: the model and
/// device, TransformerLens weight processing, BOS for text prompts, threads and <c>--json</c>; and their flag names for
/// the library's refusals.
/// </summary>
internal sealed class CircuitVerbOptions
{
    private readonly Option<string?> _model = CommonOptions.Model();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int?> _threads = ThreadsOption.Create();
    private readonly TlProcessingOptions _processing = new();
    private readonly BosOption _bos = BosOption.Create(whenOn: "the default for text prompts", whenOff: "by default text prompts start with it, as in TransformerLens");

    public Option<bool> Json { get; } = CommonOptions.Json();

    /// <summary>The library's names for inputs → this verb's flags; a verb sets the prompt's flag once it knows it.</summary>
    public Dictionary<string, string> Flags { get; } = new()
    {
        ["Ids"] = "--ids", ["Token"] = "--token", ["Position"] = "--position", ["Layer"] = "--layer", ["Top"] = "--top",
        ["Answer"] = "--answer", ["Wrong"] = "--wrong", ["Clean"] = "--clean", ["Corrupt"] = "--corrupt",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _device, _bos.On, _bos.Off, _threads, Json }) command.Options.Add(option);
        _processing.AddTo(command);
    }

    /// <summary>Applies <c>--threads</c> and loads the model with the processing asked for.</summary>
    public Gpt2 LoadModel(ParseResult parse)
    {
        ThreadsOption.Apply(parse, _threads);
        return CommonOptions.LoadModel(parse.GetValue(_model), parse.GetValue(_device)!, _processing.Read(parse));
    }

    /// <summary>BOS for text prompts: true, false, or null when neither flag was given.</summary>
    public bool? PrependBos(ParseResult parse) => _bos.Read(parse);
}
