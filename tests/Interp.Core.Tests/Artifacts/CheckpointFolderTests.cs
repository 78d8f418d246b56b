using Interp.Core;

namespace Interp.Core.Tests.Artifacts;

/// <summary><see cref="CheckpointFolder"/>: whatever point a run dies at, a complete checkpoint is found and none is mixed.</summary>
public sealed class CheckpointFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("interp-checkpoint-").FullName;
    private readonly CheckpointFolder _checkpoint;

    public CheckpointFolderTests() => _checkpoint = new CheckpointFolder(Path.Combine(_folder, "checkpoint"), "test");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record State(int Step, string Fingerprint) : ICheckpointState;

    /// <summary>A checkpoint at <paramref name="step"/> whose one data file says which step it belongs to.</summary>
    private void Save(int step) => _checkpoint.Save(new State(step, "f"), dir => File.WriteAllText(Path.Combine(dir, "weights.txt"), $"step {step}"));

    private int LatestStep()
    {
        var (dir, state) = _checkpoint.FindLatest<State>("f") ?? throw new Xunit.Sdk.XunitException("no checkpoint found");
        Assert.Equal($"step {state.Step}", File.ReadAllText(Path.Combine(dir, "weights.txt")));          // never mixed
        return state.Step;
    }

    [Fact]
    public void A_saved_checkpoint_replaces_the_previous_one_and_leaves_no_staging_or_previous_folder()
    {
        Save(1);
        Save(2);

        Assert.Equal(2, LatestStep());
        Assert.Equal(["checkpoint"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void There_is_no_checkpoint_before_the_first_save()
    {
        Assert.Null(_checkpoint.FindLatest<State>("f"));
    }

    [Fact]
    public void Killed_while_staging_the_previous_checkpoint_is_found()
    {
        Save(1);
        Directory.CreateDirectory(_checkpoint.StagingDirectory);                               // state.json not yet written
        File.WriteAllText(Path.Combine(_checkpoint.StagingDirectory, "weights.txt"), "step 2 (half)");

        Assert.Equal(1, LatestStep());
    }

    [Fact]
    public void Killed_after_staging_before_the_swap_the_checkpoint_in_place_is_found()
    {
        Save(1);
        _checkpoint.Stage(new State(2, "f"), dir => File.WriteAllText(Path.Combine(dir, "weights.txt"), "step 2"));

        Assert.Equal(1, LatestStep());
        Save(3);                                                                                 // the next save starts over
        Assert.Equal(3, LatestStep());
    }

    [Fact]
    public void Killed_in_the_middle_of_the_swap_the_staged_checkpoint_is_found()
    {
        Save(1);
        _checkpoint.Stage(new State(2, "f"), dir => File.WriteAllText(Path.Combine(dir, "weights.txt"), "step 2"));
        Directory.Move(_checkpoint.Directory, _checkpoint.PreviousDirectory);                  // the swap's first move

        Assert.Equal(2, LatestStep());
        Save(3);
        Assert.Equal(3, LatestStep());
        Assert.Equal(["checkpoint"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_checkpoint_made_under_other_options_is_refused_naming_the_folder()
    {
        Save(1);

        var e = Assert.Throws<InterpException>(() => _checkpoint.FindLatest<State>("other"));
        Assert.StartsWith($"{_checkpoint.Directory}: this checkpoint was made with other training options", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_state_file_is_one_line_naming_it()
    {
        Save(1);
        File.WriteAllText(Path.Combine(_checkpoint.Directory, CheckpointFolder.StateFileName), "{\"Step\":");

        var e = Assert.Throws<InterpException>(() => _checkpoint.FindLatest<State>("f"));
        Assert.StartsWith(Path.Combine(_checkpoint.Directory, CheckpointFolder.StateFileName) + ": not a checkpoint state", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_fingerprint_is_the_options_json_with_declared_names_as_earlier_checkpoints_have_it()
    {
        Assert.Equal("""{"Step":3,"Fingerprint":"x"}|d=2""", CheckpointFolder.Fingerprint(new State(3, "x"), "|d=2"));
    }
}
