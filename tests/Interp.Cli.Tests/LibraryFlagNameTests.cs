using System.Text.RegularExpressions;

namespace Interp.Cli.Tests;

/// <summary>Only the CLI knows flag names: library messages name options by meaning, and each verb maps them to its flags.</summary>
public sealed partial class LibraryFlagNameTests
{
    private static readonly string[] Libraries =
        ["Interp.Core", "Interp.Model", "Interp.Sae", "Interp.Records", "Interp.AutoInterp", "Interp.Web", "Interp.Circuits"];

    // (file, text on the line) that may keep a flag name.
    private static readonly (string File, string Line)[] Exempt =
    [
        // The context rule is recorded in every activation manifest; rewording it would change harvested stores.
        ("src/Interp.Model/Harvest/ContextBuilder.cs", "--tokens N keeps"),
    ];

    [GeneratedRegex("\"[^\"]*--[a-z][^\"]*\"")]
    private static partial Regex FlagInLiteral();

    [Fact]
    public void No_library_string_names_a_cli_flag()
    {
        var found = new List<string>();
        foreach (var library in Libraries)
            foreach (var path in Directory.GetFiles(Path.Combine(TestRepo.Root, "src", library), "*.cs", SearchOption.AllDirectories))
            {
                var file = Path.GetRelativePath(TestRepo.Root, path).Replace('\\', '/');
                if (file.Contains("/bin/") || file.Contains("/obj/")) continue;
                var lines = File.ReadAllLines(path);
                for (var i = 0; i < lines.Length; i++)
                {
                    if (lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal) || !FlagInLiteral().IsMatch(lines[i])) continue;
                    if (Exempt.Any(e => e.File == file && lines[i].Contains(e.Line, StringComparison.Ordinal))) continue;
                    found.Add($"{file}:{i + 1}: {lines[i].Trim()}");
                }
            }
        Assert.Empty(found);
    }
}
