using Interp.Core;
using Interp.Model;
using static TorchSharp.torch;

namespace Interp.Circuits;

/// <summary>
/// The checks every analysis makes on its inputs, each refusal one line that names the input by meaning (the CLI maps the
/// names to its flags through <see cref="InvalidOptionException.MessageWith"/>): token ids, positions, layers, tokens.
/// </summary>
internal static class CircuitInput
{
    /// <summary>The input names as the library spells them; a front end passes its own through <see cref="InvalidOptionException"/>.</summary>
    public static string Meaning(string option) => option switch
    {
        "Ids" => "token ids",
        "Clean" => "clean token ids",
        "Corrupt" => "corrupt token ids",
        "Token" => "target token",
        "Answer" => "answer token",
        "Wrong" => "wrong token",
        "Position" => "position",
        "Layer" => "layer",
        "Top" => "number of top tokens",
        _ => option,
    };

    public static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    /// <summary>
    /// <paramref name="ids"/> as an array, refused when empty, longer than the model's n_positions, or holding an id
    /// outside the vocabulary. <paramref name="option"/> names them (<c>Ids</c>, <c>Clean</c>, <c>Corrupt</c>).
    /// </summary>
    public static int[] Tokens(Gpt2 model, IReadOnlyList<int> ids, string option = "Ids")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) throw Refuse(n => $"{n(option)}: none given");
        if (ids.Count > model.Config.NPositions)
            throw Refuse(n => $"{n(option)}: {ids.Count} tokens is longer than this model's n_positions={model.Config.NPositions}");
        for (var i = 0; i < ids.Count; i++)
        {
            var (id, at) = (ids[i], i);
            if (id < 0 || id >= model.Config.VocabSize)
                throw Refuse(n => $"{n(option)}: token id {id} at position {at} is out of range for vocab_size={model.Config.VocabSize}");
        }
        return [.. ids];
    }

    /// <summary>A single token id, refused outside the vocabulary; <paramref name="option"/> names it.</summary>
    public static int Token(Gpt2 model, int token, string option)
    {
        if (token < 0 || token >= model.Config.VocabSize)
            throw Refuse(n => $"{n(option)} {token}: out of range for vocab_size={model.Config.VocabSize}");
        return token;
    }

    /// <summary>A position of a prompt of <paramref name="length"/> tokens; null means the last.</summary>
    public static int Position(int? position, int length)
    {
        var p = position ?? length - 1;
        if (p < 0 || p >= length) throw Refuse(n => $"{n("Position")} {p}: must be between 0 and {length - 1} (the prompt has {length} tokens)");
        return p;
    }

    /// <summary>A block index of <paramref name="model"/>.</summary>
    public static int Layer(Gpt2 model, int layer)
    {
        if (layer < 0 || layer >= model.Config.NLayer)
            throw Refuse(n => $"{n("Layer")} {layer}: must be between 0 and {model.Config.NLayer - 1} (the model has {model.Config.NLayer} layers)");
        return layer;
    }

    /// <summary>The ids as a <c>(1, T)</c> tensor on the model's device (on the current dispose scope).</summary>
    public static Tensor Batch(Gpt2 model, int[] ids) =>
        tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], device: model.Device);
}
