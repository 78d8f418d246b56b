namespace Interp.Records;

/// <summary>
/// The <c>k</c> contexts with the highest peak seen so far for one unit (ties: the lower context index wins), each with
/// its window. Admission is one comparison against the current worst, so the stream of (context, peak) pairs is cheap.
/// </summary>
internal sealed class TopWindows(int capacity)
{
    private readonly KeptWindow?[] _items = new KeptWindow?[capacity];
    private int _count, _worst;

    /// <summary>Whether a context with this peak would be kept.</summary>
    public bool Admits(float peak, long context)
    {
        if (_count < _items.Length) return true;
        var worst = _items[_worst]!;
        return peak > worst.Peak || (peak == worst.Peak && context < worst.Context);
    }

    /// <summary>Keeps <paramref name="window"/> (call only when <see cref="Admits"/>), dropping the current worst when full.</summary>
    public void Add(KeptWindow window)
    {
        if (_count < _items.Length) _items[_count++] = window;
        else _items[_worst] = window;
        _worst = 0;
        for (var i = 1; i < _count; i++)
            if (Worse(_items[i]!, _items[_worst]!)) _worst = i;
    }

    /// <summary>The kept windows, highest peak first (ties: lower context first).</summary>
    public KeptWindow[] Sorted() =>
        _items.Take(_count).Select(w => w!).OrderByDescending(w => w.Peak).ThenBy(w => w.Context).ToArray();

    private static bool Worse(KeptWindow a, KeptWindow b) => a.Peak < b.Peak || (a.Peak == b.Peak && a.Context > b.Context);
}
