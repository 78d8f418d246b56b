using Interp.Web.Units;

namespace Interp.Web.Tests.Data;

public sealed class UnitListTests
{
    private static readonly UnitRow[] Rows =
    [
        new(0, 3f, 0.1, 0.05, 50, " the", " cat", "the word 'the'", 0.8, false),
        new(1, 0f, 0, 0, 0, null, null, null, null, false),
        new(2, 5f, 0.3, 0.4, 400, " king", " queen", "royalty", 0.2, false),
        new(3, 1f, 0.01, 0.01, 10, "<img>", " x", null, null, true),
        new(4, 2f, 0.02, 0.02, 20, " dog", " bark", "dogs", null, false),
    ];

    [Fact]
    public void Search_finds_explanations_tokens_and_indices_ignoring_case()
    {
        Assert.Equal([2], UnitList.Apply(Rows, new UnitListQuery { Search = "ROYAL" }).Rows.Select(r => r.Index));
        Assert.Equal([2], UnitList.Apply(Rows, new UnitListQuery { Search = "queen" }).Rows.Select(r => r.Index));
        Assert.Equal([3], UnitList.Apply(Rows, new UnitListQuery { Search = "<img" }).Rows.Select(r => r.Index));
        Assert.Equal([4], UnitList.Apply(Rows, new UnitListQuery { Search = "#4" }).Rows.Select(r => r.Index));
    }

    [Fact]
    public void Filters_keep_dead_dense_or_unexplained_units()
    {
        Assert.Equal([1], UnitList.Apply(Rows, new UnitListQuery { Filter = UnitFilter.Dead }).Rows.Select(r => r.Index));
        Assert.Equal([2], UnitList.Apply(Rows, new UnitListQuery { Filter = UnitFilter.Dense }).Rows.Select(r => r.Index));
        Assert.Equal([3], UnitList.Apply(Rows, new UnitListQuery { Filter = UnitFilter.Unexplained }).Rows.Select(r => r.Index));
        Assert.Equal(4, UnitList.Apply(Rows, new UnitListQuery { Filter = UnitFilter.Alive }).Matching);
    }

    [Fact]
    public void Sorting_by_score_puts_units_without_a_score_last_in_both_directions()
    {
        Assert.Equal([0, 2, 1, 3, 4], UnitList.Apply(Rows, new UnitListQuery { Sort = UnitSort.Score, Descending = true }).Rows.Select(r => r.Index));
        Assert.Equal([2, 0, 1, 3, 4], UnitList.Apply(Rows, new UnitListQuery { Sort = UnitSort.Score }).Rows.Select(r => r.Index));
    }

    [Fact]
    public void Sorting_by_max_or_density_with_paging()
    {
        var page = UnitList.Apply(Rows, new UnitListQuery { Sort = UnitSort.MaxActivation, Descending = true, Offset = 1, Limit = 2 });

        Assert.Equal([0, 4], page.Rows.Select(r => r.Index));
        Assert.Equal(5, page.Matching);
        Assert.Equal(5, page.Total);
        Assert.Equal([1, 3, 4, 0, 2], UnitList.Apply(Rows, new UnitListQuery { Sort = UnitSort.Density }).Rows.Select(r => r.Index));
    }

    [Fact]
    public void Twenty_five_thousand_units_sort_and_page_quickly()
    {
        var random = new Random(1);
        var rows = Enumerable.Range(0, 24_576).Select(i => new UnitRow(i, (float)random.NextDouble(), 0, random.NextDouble(), 1, " t", " u",
            i % 3 == 0 ? null : $"explanation {i}", i % 3 == 0 ? null : random.NextDouble(), false)).ToArray();
        UnitList.Apply(rows, new UnitListQuery { Sort = UnitSort.Score });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var page = UnitList.Apply(rows, new UnitListQuery { Search = "explanation 1", Sort = UnitSort.Score, Descending = true, Offset = 50 });

        Assert.Equal(50, page.Rows.Count);
        Assert.True(clock.ElapsedMilliseconds < 500, $"{clock.ElapsedMilliseconds} ms");
    }

    private static readonly UnitRow[] Scored =
    [
        new(0, 1f, 0, 0.1, 1, null, null, "own", 0.3, false, new Dictionary<string, double> { ["openai"] = 0.9 }),
        new(1, 1f, 0, 0.1, 1, null, null, null, null, false, new Dictionary<string, double> { ["mine"] = 0.5, ["openai"] = 0.1 }),
        new(2, 1f, 0, 0.1, 1, null, null, "own", 0.6, false),
        new(3, 1f, 0, 0.1, 1, null, null, null, null, false),
        new(4, 1f, 0, 0.1, 1, null, null, "own", double.NaN, false, new Dictionary<string, double> { ["mine"] = 0.7 }),
    ];

    [Fact]
    public void Sorting_by_best_score_takes_the_best_of_every_explanation_with_unscored_units_last()
    {
        Assert.Equal([0, 4, 2, 1, 3], UnitList.Apply(Scored, new UnitListQuery { Sort = UnitSort.Best, Descending = true }).Rows.Select(r => r.Index));
        Assert.Equal([1, 2, 4, 0, 3], UnitList.Apply(Scored, new UnitListQuery { Sort = UnitSort.Best }).Rows.Select(r => r.Index));
    }

    [Fact]
    public void Sorting_by_one_sources_score_puts_units_without_that_source_last()
    {
        Assert.Equal([4, 1, 0, 2, 3], UnitList.Apply(Scored, new UnitListQuery { Sort = UnitSort.SourceScore, ScoreSource = "mine", Descending = true }).Rows.Select(r => r.Index));
        Assert.Equal([1, 0, 2, 3, 4], UnitList.Apply(Scored, new UnitListQuery { Sort = UnitSort.SourceScore, ScoreSource = "openai" }).Rows.Select(r => r.Index));
        Assert.Equal([0, 1, 2, 3, 4], UnitList.Apply(Scored, new UnitListQuery { Sort = UnitSort.SourceScore, ScoreSource = "nobody" }).Rows.Select(r => r.Index));
    }

    [Fact]
    public void The_list_names_every_scored_source_for_the_sort_choice()
    {
        Assert.Equal(["mine", "openai"], UnitList.Apply(Scored, new UnitListQuery { Limit = 1 }).ScoreSources);
        Assert.Empty(UnitList.Apply(Rows, new UnitListQuery()).ScoreSources!);
    }

    [Theory]
    [InlineData("best", UnitSort.Best, null)]
    [InlineData("Score", UnitSort.Score, null)]
    [InlineData("source:openai", UnitSort.SourceScore, "openai")]
    [InlineData("source:a:b c", UnitSort.SourceScore, "a:b c")]
    [InlineData("source:", UnitSort.Index, null)]
    [InlineData("SourceScore", UnitSort.Index, null)]
    [InlineData("42", UnitSort.Index, null)]
    [InlineData(null, UnitSort.Index, null)]
    public void Sort_query_values_name_a_key_or_one_sources_score_and_anything_else_means_by_index(string? text, UnitSort sort, string? source)
    {
        Assert.Equal((sort, source), QueryValues.Sort(text));
        if (sort != UnitSort.Index) Assert.Equal((sort, source), QueryValues.Sort(QueryValues.SortText(sort, source)));
    }
}
