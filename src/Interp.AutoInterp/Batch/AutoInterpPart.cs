using System.Text.Json.Nodes;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// <c>shard.json</c> in the output folder of an autointerp run split over machines (<see cref="AutoInterpJobOptions.Shard"/>):
/// which part K/N the folder is, the job it is a part of (the records and every option that changes a result), and
/// the part's units in the order an unsplit run takes them. <see cref="AutoInterpMerger"/> joins the parts by it.
/// </summary>
public sealed record AutoInterpPart
{
    /// <summary>The file name inside a part's output folder.</summary>
    public const string FileName = "shard.json";

    /// <summary>The format name and version the file starts with.</summary>
    public static readonly ManifestFormat Versioned = new("interp.autointerp-part", 1, "an autointerp part file", "autointerp part format version");

    /// <summary>Always <c>interp.autointerp-part</c>.</summary>
    public string Format { get; init; } = Versioned.Name;

    /// <summary>See <see cref="ManifestFormat.Version"/>.</summary>
    public int FormatVersion { get; init; } = Versioned.Version;

    /// <summary>This part.</summary>
    public required WorkSplit Shard { get; init; }

    /// <summary>The job: where the records are, which units of them, and the options that change a unit's result.</summary>
    public required JsonObject Job { get; init; }

    /// <summary>This part's units (<c>source/index</c>), in the order an unsplit run takes them.</summary>
    public required IReadOnlyList<string> Units { get; init; }

    /// <summary>The part <paramref name="split"/> of the job <paramref name="options"/> describes, which selected <paramref name="selected"/> units in all.</summary>
    public static AutoInterpPart Of(AutoInterpJobOptions options, WorkSplit split, int selected, IReadOnlyList<UnitId> units)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(units);
        var job = new JsonObject
        {
            ["records"] = options.Records, ["units"] = options.Units, ["selected"] = selected,
            ["explainer"] = options.ExplainerKind.ToString(), ["simulator"] = options.SimulatorKind.ToString(), ["judge"] = options.JudgeKind.ToString(),
            ["scorers"] = options.ScorerKinds.ToString(), ["examples_per_split"] = options.ExamplesPerSplit, ["calibrate"] = options.Calibrate,
            ["delphi_examples"] = options.DelphiExamples, ["llm_explain_records"] = options.LlmExplainRecords,
            ["llm_model"] = options.UsesLlm ? options.ResolveLlm().Model : null,
        };
        return new AutoInterpPart { Shard = split, Job = job, Units = units.Select(u => u.ToString()).ToArray() };
    }

    /// <summary>
    /// Writes this part's file into <paramref name="folder"/>, after checking that a file already there (an earlier run
    /// into the folder, resumed now) is of this very part.
    /// </summary>
    /// <exception cref="InvalidOptionException">The folder holds another part, or a part of another job.</exception>
    public void Save(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, FileName);
        if (File.Exists(path))
        {
            var existing = Load(folder);
            var other = existing.Shard != Shard ? $"part {existing.Shard}, not this run's {Shard}"
                : JsonDifference.First(existing.Job, Job) is { } difference ? $"a part of another job, with {difference}"
                : existing.Units.SequenceEqual(Units) ? null : "a part of the same options over other units (the records changed)";
            if (other is not null)
                throw new InvalidOptionException(o => $"{path}: this folder holds {other}; use another {o("OutDirectory")}", OutputPath.Meaning);
        }
        Directory.CreateDirectory(folder);
        ManifestFormat.Save(this, path);
    }

    /// <summary>Reads the part file of <paramref name="folder"/>.</summary>
    /// <exception cref="InterpException">No part file there, or a damaged one; the message names the path.</exception>
    public static AutoInterpPart Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new InterpException($"{folder}: not a part of a split autointerp run (no {FileName} here); only parts are merged");
        var part = Versioned.Parse<AutoInterpPart>(File.ReadAllText(path), path);
        if (part.Shard is not { N: >= 1 } s || s.K < 1 || s.K > s.N) throw new InterpException($"{path}: shard {part.Shard}: expected K/N with 1 ≤ K ≤ N");
        if (part.Job is null || part.Units is null) throw new InterpException($"{path}: job or units missing");
        return part;
    }
}
