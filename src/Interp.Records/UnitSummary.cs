using Interp.Core.Records;

namespace Interp.Records;

/// <summary>One row of a records store's unit list: what a feature list shows and sorts by, without the windows.</summary>
/// <param name="Id">The unit.</param>
/// <param name="MaxActivation">Largest activation seen.</param>
/// <param name="MeanActivation">Mean activation over all tokens.</param>
/// <param name="Density">Fraction of tokens with activation &gt; 0.</param>
/// <param name="ActiveTokens">Tokens with activation &gt; 0.</param>
/// <param name="TokensSeen">Tokens the statistics cover.</param>
/// <param name="TopToken">The token at the peak of the unit's top window, if any.</param>
/// <param name="TopLogit">The token the unit promotes most, if it has a logit effect.</param>
public sealed record UnitSummary(UnitId Id, float MaxActivation, double MeanActivation, double Density, long ActiveTokens, long TokensSeen,
    string? TopToken, string? TopLogit);

/// <summary>What <see cref="UnitSummary"/> rows can be sorted by.</summary>
public enum UnitOrder
{
    /// <summary>Unit index.</summary>
    Index,
    /// <summary>Largest activation.</summary>
    Max,
    /// <summary>Mean activation.</summary>
    Mean,
    /// <summary>Density (fraction of tokens active).</summary>
    Density,
}

/// <summary>A page of the unit list: sorted, filtered by density and max, from <see cref="Offset"/>, at most <see cref="Limit"/> rows.</summary>
public sealed record UnitQuery
{
    /// <summary>Sort key.</summary>
    public UnitOrder OrderBy { get; init; } = UnitOrder.Index;

    /// <summary>Largest first.</summary>
    public bool Descending { get; init; }

    /// <summary>Only units with at least this density.</summary>
    public double? MinDensity { get; init; }

    /// <summary>Only units with at most this density.</summary>
    public double? MaxDensity { get; init; }

    /// <summary>Only units whose max activation is at least this.</summary>
    public double? MinMax { get; init; }

    /// <summary>Rows to skip.</summary>
    public int Offset { get; init; }

    /// <summary>Rows to return at most.</summary>
    public int Limit { get; init; } = 100;
}
