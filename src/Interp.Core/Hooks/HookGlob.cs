using System.Text.RegularExpressions;

namespace Interp.Core.Hooks;

/// <summary>
/// Hook names with wildcards, as a user types them to take many hooks at once (<c>blocks.*.hook_resid_post</c>: every
/// layer's residual stream): <c>*</c> stands for any run of characters, <c>?</c> for one. A glob is expanded against a
/// model's hook names in the model's order.
/// </summary>
public static partial class HookGlob
{
    /// <summary>True when <paramref name="pattern"/> holds a wildcard.</summary>
    public static bool IsGlob(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>The names <paramref name="pattern"/> matches whole, in the order of <paramref name="names"/>.</summary>
    public static IEnumerable<HookName> Matches(string pattern, IEnumerable<HookName> names)
    {
        var regex = new Regex("^" + Regex.Escape(pattern.Trim()).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);
        return names.Where(name => regex.IsMatch(name.Name));
    }

    /// <summary>
    /// Every pattern in turn, the hooks it names: a plain name through <paramref name="exact"/> (which validates it), a glob
    /// as the <paramref name="names"/> it matches, in their order. A hook named twice keeps its first place. A glob that
    /// matches nothing is refused with <paramref name="unmatched"/>(the glob, the closest name).
    /// </summary>
    public static IReadOnlyList<HookName> Expand(IEnumerable<string> patterns, IReadOnlyList<HookName> names, Func<string, HookName> exact,
        Func<string, string, Exception> unmatched)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var hooks = new List<HookName>();
        foreach (var pattern in patterns)
        {
            if (!IsGlob(pattern))
            {
                hooks.Add(exact(pattern));
                continue;
            }
            var matched = Matches(pattern, names).ToArray();
            if (matched.Length == 0) throw unmatched(pattern.Trim(), Closest(pattern, names));
            hooks.AddRange(matched);
        }
        return hooks.Distinct().ToArray();
    }

    /// <summary>
    /// The name nearest to <paramref name="pattern"/> by edit distance, among <paramref name="names"/> and the same names
    /// with their layer as <c>*</c> (so a mistyped glob is answered with a glob).
    /// </summary>
    public static string Closest(string pattern, IEnumerable<HookName> names)
    {
        var candidates = names.Select(n => n.Name).SelectMany(n => new[] { n, LayerNumber().Replace(n, "blocks.*.") }).Distinct();
        return candidates.MinBy(c => EditDistance(pattern.Trim(), c)) ?? "";
    }

    // Levenshtein distance: insertions, deletions and substitutions, one each.
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"^blocks\.\d+\.")]
    private static partial Regex LayerNumber();
}
