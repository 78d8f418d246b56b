using System.Text.Json;
using Interp.Core;

namespace Interp.AutoInterp.Import;

/// <summary>
/// Tells an explanation file's format from its content: a folder of <c>…_latent&lt;N&gt;.txt</c> files (or one such
/// file) is delphi's, a folder of <c>&lt;layer&gt;/&lt;neuron&gt;.jsonl</c> OpenAI's; otherwise the first JSON objects decide — <c>scored_explanations</c> or <c>neuron_id</c>: OpenAI's;
/// <c>description</c> and <c>index</c>: Neuronpedia's; <c>unit</c> and <c>explanation</c>: Interp's.
/// </summary>
public static class FormatDetector
{
    private const int ObjectsLooked = 20;

    /// <summary>The format of <paramref name="path"/> (a file, or a folder of delphi files).</summary>
    /// <exception cref="InterpException">Nothing in the first objects tells.</exception>
    public static ExplanationFormat Detect(string path)
    {
        if (Directory.Exists(path))
        {
            if (Directory.EnumerateFiles(path, "*.txt").Any(f => DelphiExplanationReader.IsLatentFile(Path.GetFileName(f)))) return ExplanationFormat.Delphi;
            if (OpenAiExplanationReader.IsNeuronFolder(path)) return ExplanationFormat.OpenAi;
            throw new InterpException($"{path}: a folder with neither <module>_latent<N>.txt files (delphi's layout) nor <layer>/<neuron>.jsonl (OpenAI's); give a file, or one of those folders");
        }
        if (DelphiExplanationReader.IsLatentFile(Path.GetFileName(path))) return ExplanationFormat.Delphi;
        foreach (var (_, value, _) in JsonInput.Read(path).Take(ObjectsLooked))
        {
            if (value is not { ValueKind: JsonValueKind.Object } obj) continue;
            if (obj.TryGetProperty("scored_explanations", out _) || obj.TryGetProperty("neuron_id", out _)) return ExplanationFormat.OpenAi;
            if (obj.TryGetProperty("description", out _) && obj.TryGetProperty("index", out _)) return ExplanationFormat.Neuronpedia;
            if (obj.TryGetProperty("unit", out _) && obj.TryGetProperty("explanation", out _)) return ExplanationFormat.Interp;
        }
        throw new InterpException($"{path}: cannot tell the explanations' format from its first {ObjectsLooked} lines " +
                                  "(interp: unit + explanation; openai: neuron_id + scored_explanations; neuronpedia: layer + index + description; delphi: <module>_latent<N>.txt)");
    }
}
