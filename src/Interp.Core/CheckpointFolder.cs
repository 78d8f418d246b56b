using System.Text.Json;

namespace Interp.Core;

/// <summary>
/// A training run's checkpoint folder (<c>OUT/checkpoint</c>), replaced whole: a new checkpoint is written into
/// <c>checkpoint.tmp</c>, its <c>state.json</c> last (that file marks a folder complete), then swapped in through
/// <c>checkpoint.old</c>. A kill at any point leaves at least one complete folder among the three, and
/// <see cref="FindLatest"/> picks the one to resume from.
/// </summary>
/// <param name="directory">The checkpoint folder, e.g. <c>OUT/checkpoint</c>.</param>
/// <param name="what">What is checkpointed, for messages (<c>SAE</c>, <c>model</c>).</param>
public sealed class CheckpointFolder(string directory, string what)
{
    /// <summary>The file that holds the step and fingerprint; written last, so its presence marks a complete folder.</summary>
    public const string StateFileName = "state.json";

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; } = directory;

    /// <summary>Where a new checkpoint is written before it is swapped in.</summary>
    public string StagingDirectory => Directory + ".tmp";

    /// <summary>Where the previous checkpoint waits while the new one is moved into place.</summary>
    public string PreviousDirectory => Directory + ".old";

    /// <summary>
    /// A fingerprint of the options a checkpoint was made under: their JSON (names as declared, so fingerprints written by
    /// earlier versions still match), plus <paramref name="extra"/>. Blank out what may change between runs first
    /// (output paths, cadences).
    /// </summary>
    public static string Fingerprint<TOptions>(TOptions options, string extra = "") => JsonSerializer.Serialize(options) + extra;

    /// <summary>
    /// Writes a checkpoint: <paramref name="writeFiles"/> fills the staging folder, then <paramref name="state"/> goes to
    /// <c>state.json</c>, then the staging folder replaces the checkpoint.
    /// </summary>
    /// <exception cref="InterpException">The disk refused (full, read-only); the previous checkpoint is still found.</exception>
    public void Save<TState>(TState state, Action<string> writeFiles)
    {
        try
        {
            Stage(state, writeFiles);
            Swap();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"cannot write {what} checkpoint {Directory}: {e.Message}", e);
        }
    }

    /// <summary>The first half of <see cref="Save"/>: a complete checkpoint in <see cref="StagingDirectory"/>.</summary>
    public void Stage<TState>(TState state, Action<string> writeFiles)
    {
        if (System.IO.Directory.Exists(StagingDirectory)) System.IO.Directory.Delete(StagingDirectory, recursive: true);
        System.IO.Directory.CreateDirectory(StagingDirectory);
        writeFiles(StagingDirectory);
        File.WriteAllText(Path.Combine(StagingDirectory, StateFileName), JsonSerializer.Serialize(state));
    }

    /// <summary>The second half of <see cref="Save"/>: the staged folder replaces the checkpoint.</summary>
    public void Swap()
    {
        if (System.IO.Directory.Exists(PreviousDirectory)) System.IO.Directory.Delete(PreviousDirectory, recursive: true);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Move(Directory, PreviousDirectory);
        System.IO.Directory.Move(StagingDirectory, Directory);
        if (System.IO.Directory.Exists(PreviousDirectory)) System.IO.Directory.Delete(PreviousDirectory, recursive: true);
    }

    /// <summary>
    /// The newest complete checkpoint and its state, or null when there is none: the checkpoint itself, else (killed
    /// mid-swap) the staged one, else the previous one. A kill after staging but before the swap resumes from the
    /// checkpoint itself; the steps since then run again.
    /// </summary>
    /// <param name="fingerprint">The fingerprint of this run's options (<see cref="Fingerprint"/>).</param>
    /// <exception cref="InterpException"><c>state.json</c> is damaged, or the checkpoint was made under other options.</exception>
    public (string Directory, TState State)? FindLatest<TState>(string fingerprint) where TState : class, ICheckpointState
    {
        var found = new[] { Directory, StagingDirectory, PreviousDirectory }
            .FirstOrDefault(d => File.Exists(Path.Combine(d, StateFileName)));
        if (found is null) return null;
        var path = Path.Combine(found, StateFileName);
        TState state;
        try
        {
            state = JsonSerializer.Deserialize<TState>(File.ReadAllText(path)) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InterpException($"{path}: not a checkpoint state ({e.Message}); delete {found} to start over");
        }
        if (state.Fingerprint != fingerprint)
            throw new InterpException($"{found}: this checkpoint was made with other training options or data; use another output folder or delete {found}");
        return (found, state);
    }
}

/// <summary>What every checkpoint's <c>state.json</c> holds besides the trainer's counters.</summary>
public interface ICheckpointState
{
    /// <summary>The options the checkpoint was made under (<see cref="CheckpointFolder.Fingerprint"/>).</summary>
    string Fingerprint { get; }
}
