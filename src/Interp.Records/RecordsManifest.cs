using System.Text.Json;
using Interp.Core;
using Interp.Core.Store;
using Interp.Sae;

namespace Interp.Records;

/// <summary>
/// What a records store was built from and how: written to <c>manifest.json</c> beside <c>records.db</c> and into its
/// <c>meta</c> table (key <c>manifest</c>). Everything but <see cref="Build"/> identifies the job: a re-run whose
/// manifest differs elsewhere does not resume a partial store.
/// </summary>
public sealed record RecordsManifest
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "interp.records";

    /// <summary>The store layout version this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The manifest's file name in a records folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>See <see cref="CurrentFormatVersion"/>.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary><c>neuron</c> (a dimension of the hook, e.g. an MLP neuron), <c>sae_latent</c> or <c>transcoder_latent</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The units' <see cref="Core.Records.UnitId.Source"/>: the hook, or <c>sae:</c> and the hook for latents.</summary>
    public required string Source { get; init; }

    /// <summary>The hook the activations were read at.</summary>
    public required string Hook { get; init; }

    /// <summary>Units the source has (the width, or d_sae).</summary>
    public required int SourceUnits { get; init; }

    /// <summary>The activation store folder, when records were built from one.</summary>
    public string? Activations { get; init; }

    /// <summary>The model: folder or name, SHA-256 of its weights, its config.</summary>
    public required ModelIdentity Model { get; init; }

    /// <summary>The SAE (folder, weights SHA-256, architecture, d_in, d_sae, hook), when the units are latents.</summary>
    public SaeIdentity? Sae { get; init; }

    /// <summary>The corpus files and context rule (from the store's manifest, or the run's corpus).</summary>
    public required RecordsCorpus Corpus { get; init; }

    /// <summary>Tokens per context.</summary>
    public required int Ctx { get; init; }

    /// <summary>Contexts read per pass.</summary>
    public required long Contexts { get; init; }

    /// <summary>Tokens every unit's statistics cover.</summary>
    public required long Tokens { get; init; }

    /// <summary>The sampling options.</summary>
    public required RecordsSampling Options { get; init; }

    /// <summary>The units asked for (<c>--units</c>).</summary>
    public required string Units { get; init; }

    /// <summary>Units in the store.</summary>
    public required int UnitCount { get; init; }

    /// <summary>
    /// This store's part <c>K/N</c> of the selected <see cref="Units"/> when the job was split over machines
    /// (<c>--shard K/N</c>; joined by <see cref="RecordsMerger"/>); absent when not split, so an unsplit job's key is as before.
    /// </summary>
    public WorkSplit? Shard { get; init; }

    /// <summary>How this store was made (time, duration, resumes): not part of the job's identity.</summary>
    public RecordsBuild? Build { get; init; }

    /// <summary>The format name and version every records manifest starts with, and how errors name them.</summary>
    public static readonly ManifestFormat Versioned = new(FormatName, CurrentFormatVersion, "a records manifest", "records format version");

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => ManifestFormat.ToJson(this);

    /// <summary>The job's identity: the manifest without <see cref="Build"/>, as compact JSON.</summary>
    public string JobKey()
    {
        var node = JsonSerializer.SerializeToNode(this with { Build = null }, JsonDefaults.Manifest)!;
        return node.ToJsonString();
    }

    /// <summary>Parses a manifest; <paramref name="where"/> names the file or table in errors.</summary>
    /// <exception cref="InterpException">Not JSON, another format, or another version.</exception>
    public static RecordsManifest Parse(string json, string where)
    {
        var manifest = Versioned.Parse<RecordsManifest>(json, where);
        manifest.Check(where);
        return manifest;
    }

    // Range checks, so that a hand-edited manifest is one line naming the key and value rather than an overflow later.
    private void Check(string where)
    {
        void Range(string key, long value, long min, long max)
        {
            if (value < min || value > max) throw new InterpException($"{where}: {key} = {value}: must be between {min} and {max}");
        }
        foreach (var (key, value) in new[] { ("kind", Kind), ("source", Source), ("hook", Hook), ("units", Units) })
            if (string.IsNullOrWhiteSpace(value)) throw new InterpException($"{where}: {key} is missing or empty");
        Range("source_units", SourceUnits, 1, int.MaxValue);
        Range("ctx", Ctx, 1, 1 << 20);
        Range("contexts", Contexts, 0, long.MaxValue / Ctx);
        Range("tokens", Tokens, 0, Contexts * Ctx);
        Range("unit_count", UnitCount, 0, SourceUnits);
        if (Shard is { } shard)
        {
            Range("shard.n", shard.N, 1, int.MaxValue);
            Range("shard.k", shard.K, 1, shard.N);
        }
    }
}
