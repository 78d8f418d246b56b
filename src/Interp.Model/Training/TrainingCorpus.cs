using System.Security.Cryptography;
using Interp.Core;
using Interp.Core.Tokenization;

namespace Interp.Model.Training;

/// <summary>
/// Corpus files tokenised and split for language-model training: each file's first (1 − heldOut) of tokens go to the
/// training stream and the rest to the held-out stream, so every corpus is represented in both. Files are joined with
/// <c>&lt;|endoftext|&gt;</c>, as GPT-2's training documents were.
/// </summary>
public sealed record TrainingCorpus(int[] Train, int[] HeldOut, IReadOnlyList<CorpusFileInfo> Files)
{
    public static TrainingCorpus Load(IReadOnlyList<string> paths, Gpt2Tokenizer tokenizer, double heldOutFraction)
    {
        if (paths.Count == 0) throw TrainModelOptions.Refuse(n => $"no corpus given: pass at least one {n(nameof(TrainModelOptions.Corpora))} FILE");
        if (heldOutFraction is <= 0 or >= 1)
            throw TrainModelOptions.Refuse(n => $"{n(nameof(TrainModelOptions.HeldOutFraction))} must be in (0, 1), got {heldOutFraction}");
        var train = new List<int>();
        var heldOut = new List<int>();
        var files = new List<CorpusFileInfo>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new InterpException($"{path}: corpus file not found");
            var ids = tokenizer.Encode(File.ReadAllText(path));
            if (ids.Length < 100) throw new InterpException($"{path}: corpus has only {ids.Length} tokens");
            var cut = (int)(ids.Length * (1 - heldOutFraction));
            if (train.Count > 0) train.Add(Gpt2Tokenizer.EndOfTextId);
            if (heldOut.Count > 0) heldOut.Add(Gpt2Tokenizer.EndOfTextId);
            train.AddRange(ids.AsSpan(0, cut));
            heldOut.AddRange(ids.AsSpan(cut));
            files.Add(new CorpusFileInfo(Path.GetFileName(path), Sha256(path), ids.Length));
        }
        return new TrainingCorpus([.. train], [.. heldOut], files);
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>A corpus file's name, content hash and token count.</summary>
public sealed record CorpusFileInfo(string Name, string Sha256, int Tokens);
