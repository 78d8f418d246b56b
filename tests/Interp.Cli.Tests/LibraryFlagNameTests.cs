using System.Text.RegularExpressions;

namespace Interp.Cli.Tests;

/// <summary>Only the CLI knows flag names: library messages name options by meaning, and each verb maps them to its flags.</summary>
public sealed partial class LibraryFlagNameTests
{
    private static readonly string[] Libraries =
        ["Interp.Core", "Interp.Model", "Interp.Sae", "Interp.Records", "Interp.AutoInterp", "Interp.Web"];

    // (file, text on the line) that may keep a flag name.
    private static readonly (string File, string Line)[] Exempt =
    [
        // The context rule is recorded in every activation manifest; rewording it would change harvested stores.
        ("src/Interp.Model/Harvest/ContextBuilder.cs", "--tokens N keeps"),
        // Pending: says where to configure the LLM (flags and environment variables); not reworded yet.
        ("src/Interp.AutoInterp/Batch/PipelineFactory.cs", "needs an LLM endpoint"),
    ];

    // Not converted yet (issue #13, slice h8 ran out of time): each still names a flag in a library message.
    private static readonly string[] Pending =
    [
        "src/Interp.AutoInterp/Llm/LlmEndpoint.cs", "src/Interp.AutoInterp/Llm/LlmOptions.cs",
        "src/Interp.Core/Store/ActivationManifest.cs", "src/Interp.Core/Store/ActivationStoreWriter.cs",
        "src/Interp.Model/DeviceSelection.cs", "src/Interp.Model/Generation.cs", "src/Interp.Model/ModelSource.cs",
        "src/Interp.Model/Training/Gpt2Trainer.cs", "src/Interp.Model/Training/TrainingCorpus.cs",
        "src/Interp.Records/RecordsJob.cs", "src/Interp.Records/UnitRecordStore.cs", "src/Interp.Records/UnitRecordStoreWriter.cs",
        "src/Interp.Web/Benchmarks/ServerFlood.cs", "src/Interp.Web/Benchmarks/UnitPageBenchmark.cs", "src/Interp.Web/Security/BindingPolicy.cs",
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
                if (file.Contains("/bin/") || file.Contains("/obj/") || Pending.Contains(file)) continue;
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

    [Fact]
    public void Every_file_still_pending_still_names_a_flag()
    {
        foreach (var file in Pending)
            Assert.Contains(File.ReadAllLines(Path.Combine(TestRepo.Root, file)), line => FlagInLiteral().IsMatch(line) && !line.TrimStart().StartsWith("//", StringComparison.Ordinal));
    }
}
