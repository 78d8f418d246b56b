using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Score;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

public class FormatTests
{
    [Fact]
    public void Discretisation_is_floor_of_ten_times_the_relud_activation_over_the_max_capped_at_ten()
    {
        Assert.Equal(new[] { 0, 0, 2, 5, 9, 10, 10 }, Discretisation.Discretise([-3f, 0f, 0.25f, 0.5f, 0.99f, 1f, 1.7f], 1f));
        Assert.Equal(new[] { 0, 0, 0 }, Discretisation.Discretise([1f, 2f, 3f], 0f));
        Assert.Equal(new[] { 0, 0 }, Discretisation.Discretise([1f, 2f], -1f));
        Assert.Equal(3.5f, Discretisation.MaxActivation([new ActivationRecord([1, 2], ["a", "b"], [-9, 3.5f])]));
    }

    [Fact]
    public void A_record_is_written_one_token_a_line_between_start_and_end_with_unknown_for_missing_values()
    {
        Assert.Equal("<start>\nThe\t0\n cat\t7\n<end>\n", RecordFormat.Format(["The", " cat"], [0, 7]));
        Assert.Equal("<start>\nThe\tunknown\n cat\tunknown\n<end>\n", RecordFormat.Format(["The", " cat"], null));
        Assert.Equal("<start>\n cat\t7\n<end>\n", RecordFormat.Format(["The", " cat"], [0, 7], omitZeros: true));
        Assert.Equal("<start>\na\\nb\t1\n<end>\n", RecordFormat.Format(["a\nb"], [1]));
    }

    [Fact]
    public void A_written_back_record_is_parsed_with_the_offset_of_each_value()
    {
        var answer = "Sure:\n<start>\nThe\t0\n cat\t 7\r\nsat\n<end>\ntrailing";
        var block = Assert.Single(RecordFormat.Parse(answer));
        Assert.Equal(3, block.Count);
        Assert.Equal(" cat", block[1].Token);
        Assert.Equal(7.0, block[1].Number);
        Assert.Equal(' ', answer[block[1].ValueOffset]);
        Assert.Null(block[2].Value);
        Assert.Null(block[2].Number);
    }

    [Fact]
    public void Top_records_are_dealt_round_robin_into_four_splits_and_random_records_into_three()
    {
        ActivationRecord R(int i) => new([i], [$"t{i}"], [i], i);
        var unit = new UnitRecord
        {
            Id = new UnitId("u", 0), TokensSeen = 1, ActiveTokens = 1, MaxActivation = 1, MeanActivation = 1,
            Top = Enumerable.Range(0, 10).Select(R).ToList(),
            Random = Enumerable.Range(100, 7).Select(R).ToList(),
        };
        // 10 top records: 3 per split, the last splits one short; 7 random: 3, 2, 2.
        var splits = RecordSplits.Of(unit);
        Assert.Equal(new long[] { 0, 4, 8 }, splits.Train.Select(r => r.Context));
        Assert.Equal(new long[] { 1, 5, 9 }, splits.Calibration.Select(r => r.Context));
        Assert.Equal(new long[] { 2, 6 }, splits.Valid.Select(r => r.Context));
        Assert.Equal(new long[] { 3, 7 }, splits.Test.Select(r => r.Context));
        Assert.Equal(new long[] { 100, 103, 106 }, splits.RandomCalibration.Select(r => r.Context));
        Assert.Equal(new long[] { 101, 104 }, splits.RandomValid.Select(r => r.Context));
        Assert.Equal(new long[] { 102, 105 }, splits.RandomTest.Select(r => r.Context));
        Assert.Equal(new long[] { 2, 6, 101, 104 }, splits.Scored.Select(s => s.Record.Context));
        Assert.Equal(new[] { ScoredRecordKind.Top, ScoredRecordKind.Top, ScoredRecordKind.Random, ScoredRecordKind.Random }, splits.Scored.Select(s => s.Kind));
        Assert.Equal(new long[] { 1, 5, 9, 100, 103, 106 }, splits.CalibrationSet.Select(s => s.Record.Context));

        var even = RecordSplits.Of(unit, perSplit: 2);
        Assert.Equal(new long[] { 0, 4 }, even.Train.Select(r => r.Context));
        Assert.Equal(new long[] { 3, 7 }, even.Test.Select(r => r.Context));

        var five = RecordSplits.Of(unit, perSplit: 1);
        Assert.Equal(new long[] { 0 }, five.Train.Select(r => r.Context));
        Assert.Equal(new long[] { 2, 101 }, five.Scored.Select(s => s.Record.Context));
    }
}
