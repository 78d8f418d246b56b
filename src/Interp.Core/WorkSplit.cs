using Interp.Core.Store;

namespace Interp.Core;

/// <summary>
/// This machine's part <c>K/N</c> of a list of work items split over N machines (<c>records --shard K/N</c>,
/// <c>autointerp --shard K/N</c>): K is 1-based as in <c>harvest --shard</c>, and part K takes the K-th of N contiguous,
/// balanced ranges (sizes differ by at most one), so that the parts joined in K order are the unsplit list in order.
/// </summary>
/// <param name="K">This part, 1 ≤ K ≤ N.</param>
/// <param name="N">Number of parts.</param>
public sealed record WorkSplit(int K, int N)
{
    /// <summary>The whole list: <c>1/1</c>.</summary>
    public static readonly WorkSplit Whole = new(1, 1);

    /// <summary>Whether this is the whole list (not split).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsWhole => N == 1;

    /// <summary>
    /// Parses <c>K/N</c> (e.g. <c>2/4</c>); a bad value is an <see cref="InvalidOptionException"/> naming the option
    /// <c>Shard</c> (a job's property name) and the value, as <c>harvest --shard</c>'s.
    /// </summary>
    public static WorkSplit Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (k, n) = StoreLayout.ParseSplit(text);
        return new WorkSplit(k, n);
    }

    /// <summary>The index range <c>[Start, End)</c> of this part among <paramref name="count"/> items.</summary>
    public (int Start, int End) RangeOf(int count) => ((int)((long)(K - 1) * count / N), (int)((long)K * count / N));

    /// <summary>This part's items of <paramref name="items"/>, in order.</summary>
    public T[] Take<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var (start, end) = RangeOf(items.Count);
        var part = new T[end - start];
        for (var i = start; i < end; i++) part[i - start] = items[i];
        return part;
    }

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => $"{K}/{N}";
}
