namespace Interp.Records;

/// <summary>
/// A uniform random sample of at most <c>k</c> items from a stream, by priority sampling: every item gets a priority
/// from <see cref="SamplingHash"/> (a function of the seed, the unit and the context only) and the <c>k</c> smallest are
/// kept. The result depends neither on the order the items arrive in nor on how units are grouped into passes.
/// </summary>
internal sealed class PrioritySample(int capacity)
{
    private readonly (ulong Priority, KeptWindow Window)[] _items = new (ulong, KeptWindow)[capacity];
    private int _count, _largest;

    /// <summary>Whether an item with this priority would be kept.</summary>
    public bool Admits(ulong priority) => _items.Length > 0 && (_count < _items.Length || priority < _items[_largest].Priority);

    /// <summary>Keeps the item (call only when <see cref="Admits"/>), dropping the largest priority when full.</summary>
    public void Add(ulong priority, KeptWindow window)
    {
        if (_count < _items.Length) _items[_count++] = (priority, window);
        else _items[_largest] = (priority, window);
        _largest = 0;
        for (var i = 1; i < _count; i++)
            if (_items[i].Priority > _items[_largest].Priority) _largest = i;
    }

    /// <summary>The kept windows in ascending priority (a random order).</summary>
    public KeptWindow[] InPriorityOrder() => _items.Take(_count).OrderBy(i => i.Priority).Select(i => i.Window).ToArray();
}
