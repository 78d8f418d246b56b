namespace Interp.Core.Tests;

/// <summary><see cref="WorkSplit"/>: part K of N takes a contiguous, balanced range, and the parts in K order are the whole list.</summary>
public sealed class WorkSplitTests
{
    [Theory]
    [InlineData(10, 4)]
    [InlineData(21, 2)]
    [InlineData(3, 4)]
    [InlineData(16384, 7)]
    public void The_parts_in_order_are_the_whole_list_and_differ_in_size_by_at_most_one(int count, int n)
    {
        var items = Enumerable.Range(100, count).ToArray();
        var parts = Enumerable.Range(1, n).Select(k => new WorkSplit(k, n).Take(items)).ToArray();
        Assert.Equal(items, parts.SelectMany(p => p));
        Assert.InRange(parts.Max(p => p.Length) - parts.Min(p => p.Length), 0, 1);
    }

    [Fact]
    public void Parse_reads_k_of_n_counted_from_one_and_refuses_the_rest_by_meaning()
    {
        Assert.Equal(new WorkSplit(2, 4), WorkSplit.Parse("2/4"));
        Assert.True(WorkSplit.Parse("1/1").IsWhole);
        Assert.Equal("part 0/4: expected K/N with 1 ≤ K ≤ N", Assert.Throws<InvalidOptionException>(() => WorkSplit.Parse("0/4")).Message);
        Assert.Equal("part 2-4: expected K/N, e.g. 2/4", Assert.Throws<InvalidOptionException>(() => WorkSplit.Parse("2-4")).Message);
    }
}
