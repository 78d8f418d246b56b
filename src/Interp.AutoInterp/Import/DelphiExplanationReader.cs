using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Interp.AutoInterp.Import;

/// <summary>
/// delphi's explanations: a folder of <c>&lt;module&gt;_latent&lt;N&gt;.txt</c> files (delphi's <c>Latent</c> printed:
/// module name, <c>_latent</c>, index), each holding the explanation as one JSON string (<c>orjson.dumps</c>). Other
/// <c>.txt</c> files in the folder are malformed; other files are not looked at.
/// </summary>
internal static partial class DelphiExplanationReader
{
    [GeneratedRegex(@"^(.+)_latent(\d+)\.txt$")]
    private static partial Regex LatentFile();

    /// <summary>Whether <paramref name="fileName"/> is named as delphi names an explanation.</summary>
    public static bool IsLatentFile(string fileName) => LatentFile().IsMatch(fileName);

    public static IEnumerable<ImportEntry> Read(string path)
    {
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.txt").Order(StringComparer.Ordinal).ToList()
            : [path];
        foreach (var file in files)
        {
            var m = LatentFile().Match(Path.GetFileName(file));
            if (!m.Success || !int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                yield return ImportEntry.Malformed(file, "not named <module>_latent<N>.txt");
                continue;
            }
            string? text;
            try
            {
                text = JsonSerializer.Deserialize<string>(File.ReadAllText(file));
            }
            catch (JsonException)
            {
                text = null;
            }
            if (string.IsNullOrWhiteSpace(text)) yield return ImportEntry.Malformed(file, "not a JSON string holding an explanation");
            else yield return ImportEntry.Of(file, UnitMapping.Delphi(m.Groups[1].Value, index), text);
        }
    }
}
