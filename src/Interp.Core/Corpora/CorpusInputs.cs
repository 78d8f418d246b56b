using System.IO.Enumeration;

namespace Interp.Core.Corpora;

/// <summary>
/// The corpus files that corpus arguments name: a file, a folder (its files of a known kind, in ordinal name order) or a
/// glob in the file name (<c>data/*.jsonl.gz</c>, matches in ordinal name order), each in the order given.
/// </summary>
public static class CorpusInputs
{
    /// <summary>The files <paramref name="given"/> names, each with its format.</summary>
    /// <exception cref="InterpException">A missing file, an unknown file kind, or a folder or glob that matches nothing.</exception>
    public static IReadOnlyList<CorpusInput> Expand(IReadOnlyList<string> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        var inputs = new List<CorpusInput>();
        foreach (var path in given)
        {
            if (Directory.Exists(path)) inputs.AddRange(InFolder(path));
            else if (path.Contains('*') || path.Contains('?')) inputs.AddRange(Matching(path));
            else inputs.Add(Known(path));
        }
        return inputs;
    }

    private static CorpusInput Known(string path)
    {
        if (!File.Exists(path)) throw new InterpException($"{path}: corpus file not found");
        return CorpusInput.FormatOf(path) is { } format
            ? new CorpusInput(path, format)
            : throw new InterpException($"{path}: unknown corpus file kind {Ending(path)}: expected {CorpusInput.KnownKinds}");
    }

    private static string Ending(string path) => System.IO.Path.GetExtension(path) is { Length: > 0 } ending ? $"'{ending}'" : "(no file name ending)";

    // Other files in a folder (a README, a checksum list) are left out: the folder is a dataset, not a list of corpora.
    private static IEnumerable<CorpusInput> InFolder(string folder)
    {
        var files = Directory.GetFiles(folder).Where(f => CorpusInput.FormatOf(f) is not null).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new InterpException($"{folder}: folder holds no corpus files ({CorpusInput.KnownKinds})");
        return files.Select(Known);
    }

    // Every match is a file the user asked for, so one of an unknown kind is refused rather than skipped.
    private static IEnumerable<CorpusInput> Matching(string glob)
    {
        var folder = System.IO.Path.GetDirectoryName(glob);
        var pattern = System.IO.Path.GetFileName(glob);
        if (folder is { Length: > 0 } && (folder.Contains('*') || folder.Contains('?')))
            throw new InterpException($"{glob}: wildcards are read in the file name only, not in folders");
        var where = folder is { Length: > 0 } ? folder : ".";
        var files = Directory.Exists(where)
            ? Directory.GetFiles(where).Where(f => FileSystemName.MatchesSimpleExpression(pattern, System.IO.Path.GetFileName(f), ignoreCase: false))
                .Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0) throw new InterpException($"{glob}: no corpus file matches");
        return files.Select(f => Known(folder is { Length: > 0 } ? f : System.IO.Path.GetFileName(f)));
    }
}
