using Interp.AutoInterp.Batch;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

/// <summary>
/// An autointerp run split over machines (<see cref="AutoInterpJobOptions.Shard"/>) and joined again
/// (<see cref="AutoInterpMerger"/>): the merged folder holds what an unsplit run writes, and parts that do not make one
/// run are refused naming the folder. Offline explainer and pattern simulator and judge, so every result is deterministic.
/// </summary>
public sealed class ShardMergeTests : IDisposable
{
    private static readonly Lazy<IReadOnlyList<UnitRecord>> Family =
        new(() => SyntheticUnits.Family(Synthetic.Corpus, 13).Select(u => u.Record).ToList());

    private readonly Synthetic.TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Dir(string name) => Path.Combine(_temp.Path, name);

    private BatchOutcome Run(string name, string shard = "1/1", string scorers = "correlation,detection", int concurrency = 1)
    {
        var source = new InMemoryUnitRecordSource(Family.Value);
        using var job = AutoInterpJob.Prepare(source, new AutoInterpJobOptions
        {
            OutDirectory = Dir(name), Records = "units", Units = "1-12", Shard = shard, Simulator = "pattern", Judge = "pattern",
            Scorers = scorers, Concurrency = concurrency,
        });
        return job.Run();
    }

    private string Text(string name, string file) => File.ReadAllText(Path.Combine(Dir(name), file));

    [Fact]
    public void A_run_split_in_two_and_merged_equals_the_unsplit_run()
    {
        Assert.Equal(12, Run("whole").Done);
        Assert.Equal(6, Run("part1", "1/2", concurrency: 3).Done);                                // parts finish units out of order
        Assert.Equal(6, Run("part2", "2/2", concurrency: 3).Done);
        Assert.Equal(new WorkSplit(2, 2), AutoInterpPart.Load(Dir("part2")).Shard);
        Assert.Equal(Enumerable.Range(7, 6).Select(i => $"synthetic/{i}"), AutoInterpPart.Load(Dir("part2")).Units);

        var summary = AutoInterpMerger.Merge([Dir("part2"), Dir("part1")], Dir("merged"), overwrite: false);

        Assert.Equal(12, summary.Units);
        foreach (var file in new[] { ResultsFile.FileName, AutoInterpRunner.SummaryFileName, OpenAiExport.FileName })
            Assert.Equal(Text("whole", file), Text("merged", file));
        Assert.Equal(12, File.ReadAllLines(Path.Combine(Dir("merged"), ResultsFile.FileName)).Length);
        var again = Run("merged");                                                                 // a finished run: nothing left to do
        Assert.Equal((12, 0), (again.Skipped, again.Done));
        var refusal = Assert.Throws<InvalidOptionException>(() => AutoInterpMerger.Merge([Dir("part1"), Dir("part2")], Dir("merged"), overwrite: false)).Message;
        Assert.Equal($"{Path.Combine(Dir("merged"), ResultsFile.FileName)}: results are already there; pass the overwrite option to replace them, or use another output folder", refusal);
        AutoInterpMerger.Merge([Dir("part1"), Dir("part2")], Dir("merged"), overwrite: true);
        Assert.Equal(Text("whole", ResultsFile.FileName), Text("merged", ResultsFile.FileName));
    }

    [Fact]
    public void Merge_refuses_parts_that_are_missing_twice_unfinished_or_of_another_run_naming_the_folder()
    {
        Run("part1", "1/2");
        Run("part2", "2/2");
        Run("fuzzing", "2/2", scorers: "correlation,fuzzing");
        Run("third", "3/3");
        Run("whole");
        string Refusal(params string[] parts) =>
            Assert.ThrowsAny<InterpException>(() => AutoInterpMerger.Merge(parts.Select(Dir).ToArray(), Dir("merged"), overwrite: false)).Message;

        Assert.Equal($"{Dir("part2")}: part(s) 1/2 of its job missing from the inputs", Refusal("part2"));
        Assert.Equal($"{Dir("part1")}: part 1/2 given twice (also {Dir("part1")})", Refusal("part1", "part2", "part1"));
        Assert.StartsWith($"{Dir("fuzzing")}: from another autointerp job than {Dir("part1")}, which has scorers \"Correlation, Detection\"", Refusal("part1", "fuzzing"));
        Assert.Equal($"{Dir("third")}: part 3/3 does not belong with {Dir("part1")} (part 1/2)", Refusal("part1", "third"));
        Assert.StartsWith($"{Dir("whole")}: not a part of a split autointerp run", Refusal("part1", "whole"));

        var partFile = Path.Combine(Dir("fuzzing"), AutoInterpPart.FileName);                   // a part file edited to claim a unit of part 1
        var edited = AutoInterpPart.Load(Dir("part2"));
        File.WriteAllText(partFile, ManifestFormat.ToJson(edited with { Units = ["synthetic/6", .. edited.Units.Skip(1)] }));
        Assert.Equal($"{Dir("fuzzing")}: unit synthetic/6 is also in {Dir("part1")} (the parts overlap)", Refusal("part1", "fuzzing"));

        var results = Path.Combine(Dir("part2"), ResultsFile.FileName);
        File.WriteAllLines(results, File.ReadAllLines(results)[..4]);                             // as a part stopped after 4 units leaves it
        Assert.Equal($"{Dir("part2")}: part 2/2 is unfinished (4 of 6 units in results.jsonl); run its autointerp command again to finish it",
            Refusal("part1", "part2"));
        Assert.False(Directory.Exists(Dir("merged")));                                             // nothing written on a refusal
    }

    [Fact]
    public void A_part_folder_refuses_another_part_and_a_bad_part_is_refused_by_meaning()
    {
        Run("part1", "1/2");
        var refusal = Assert.Throws<InvalidOptionException>(() => Run("part1", "2/2")).Message;
        Assert.Equal($"{Path.Combine(Dir("part1"), AutoInterpPart.FileName)}: this folder holds part 1/2, not this run's 2/2; use another output folder", refusal);

        foreach (var (shard, expected) in new[]
                 {
                     ("0/4", "part 0/4: expected K/N with 1 ≤ K ≤ N"), ("5/4", "part 5/4: expected K/N with 1 ≤ K ≤ N"),
                     ("x", "part x: expected K/N, e.g. 2/4"), ("1/0", "part 1/0: expected K/N with 1 ≤ K ≤ N"),
                 })
            Assert.Equal(expected, Assert.Throws<InvalidOptionException>(() => new AutoInterpJobOptions { OutDirectory = Dir("bad"), Shard = shard }.Validate()).Message);
    }
}
