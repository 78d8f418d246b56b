namespace Interp.Web.Units;

/// <summary>What a unit list can be sorted by.</summary>
public enum UnitSort
{
    /// <summary>Unit index.</summary>
    Index,
    /// <summary>Explanation score (units without one last).</summary>
    Score,
    /// <summary>Density.</summary>
    Density,
    /// <summary>Largest activation.</summary>
    MaxActivation,
    /// <summary>Best correlation over every explanation of the unit, autointerp's and scored ones (units without one last).</summary>
    Best,
    /// <summary>Best correlation of the explanations from <see cref="UnitListQuery.ScoreSource"/> (units without one last).</summary>
    SourceScore,
}

/// <summary>Which units a list keeps.</summary>
public enum UnitFilter
{
    /// <summary>Every unit.</summary>
    All,
    /// <summary>Units that fired at least once.</summary>
    Alive,
    /// <summary>Units that never fired.</summary>
    Dead,
    /// <summary>Units with density above <see cref="UnitListQuery.DenseThreshold"/>.</summary>
    Dense,
    /// <summary>Live units without an explanation.</summary>
    Unexplained,
}

/// <summary>A page of a unit list: text search (explanation, top token, top logit, or the index), filter, sort, offset and size.</summary>
public sealed record UnitListQuery
{
    /// <summary>Density above which a unit counts as dense.</summary>
    public const double DenseThreshold = 0.1;

    /// <summary>Case-insensitive text to find in the explanation or tokens, or a unit index.</summary>
    public string? Search { get; init; }

    /// <summary>Which units.</summary>
    public UnitFilter Filter { get; init; } = UnitFilter.All;

    /// <summary>Sort key.</summary>
    public UnitSort Sort { get; init; } = UnitSort.Index;

    /// <summary>The explanation source (<c>interp score</c>'s <c>source</c>) that <see cref="UnitSort.SourceScore"/> sorts by.</summary>
    public string? ScoreSource { get; init; }

    /// <summary>Largest first.</summary>
    public bool Descending { get; init; }

    /// <summary>Rows to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Rows to return at most.</summary>
    public int Limit { get; init; } = 50;
}

/// <summary>A page of rows, how many matched the query and how many units the source has.</summary>
/// <param name="Rows">The rows of this page.</param>
/// <param name="Matching">Rows matching the search and filter.</param>
/// <param name="Total">Units in the source.</param>
/// <param name="ScoreSources">The explanation sources scored for any unit of the source, in order (to sort by one).</param>
public sealed record UnitListResult(IReadOnlyList<UnitRow> Rows, int Matching, int Total, IReadOnlyList<string>? ScoreSources = null);
