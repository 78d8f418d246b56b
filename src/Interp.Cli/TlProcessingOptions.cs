using System.CommandLine;
using Interp.Core;

namespace Interp.Cli;

/// <summary>
/// The TransformerLens weight-processing flags every verb that runs a model takes: <c>--tl-processing</c> (all four, as
/// <c>HookedTransformer.from_pretrained</c> does by default) and each step alone.
/// </summary>
internal sealed class TlProcessingOptions
{
    private readonly Option<bool> _all = new("--tl-processing")
    {
        Description = "Process the weights as TransformerLens's from_pretrained does: all four of --fold-ln, --center-writing-weights, --center-unembed, --fold-value-biases",
    };
    private readonly Option<bool> _foldLn = new("--fold-ln") { Description = "Fold each LayerNorm's weight and bias into the layer that reads it (LayerNorm becomes centre-and-normalise)" };
    private readonly Option<bool> _centerWritingWeights = new("--center-writing-weights") { Description = "Subtract the mean over d_model from every weight and bias writing to the residual stream (residual stream mean 0)" };
    private readonly Option<bool> _centerUnembed = new("--center-unembed") { Description = "Subtract the unembedding's mean over the vocabulary (logits shift, log-probabilities do not)" };
    private readonly Option<bool> _foldValueBiases = new("--fold-value-biases") { Description = "Move each head's value bias into the attention output bias" };

    /// <summary>Adds the five flags to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new[] { _all, _foldLn, _centerWritingWeights, _centerUnembed, _foldValueBiases }) command.Options.Add(option);
    }

    /// <summary>The flags that ask for <paramref name="processing"/> (none for null or none), for commands printed and run by quickstart.</summary>
    public static string[] Args(TlProcessing? processing)
    {
        if (processing is null || processing.IsNone) return [];
        if (processing == TlProcessing.TransformerLensDefaults) return ["--tl-processing"];
        return TlProcessing.Keys.Where(key => processing.ToKwargs()[key]!.GetValue<bool>()).Select(key => "--" + key.Replace('_', '-')).ToArray();
    }

    /// <summary>The processing the flags ask for; null when none is given (a verb may then follow an SAE's cfg).</summary>
    public TlProcessing? Read(ParseResult parse)
    {
        if (parse.GetValue(_all)) return TlProcessing.TransformerLensDefaults;
        var processing = new TlProcessing(parse.GetValue(_foldLn), parse.GetValue(_centerWritingWeights), parse.GetValue(_centerUnembed),
            parse.GetValue(_foldValueBiases));
        return processing.IsNone ? null : processing;
    }
}
