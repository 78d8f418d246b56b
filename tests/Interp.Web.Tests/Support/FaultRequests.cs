namespace Interp.Web.Tests.Support;

/// <summary>Fires a bounded list of raw GETs at a server, a few at a time, and checks its log for stack traces.</summary>
public static class FaultRequests
{
    private const int AtOnce = 4;

    /// <summary>GETs each target (raw, so that odd targets reach the server as written); returns "STATUS TARGET" for each answer <paramref name="bad"/> picks.</summary>
    public static async Task<IReadOnlyList<string>> GetAllAsync(Uri server, IReadOnlyList<string> targets, Func<int, bool> bad)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = AtOnce }, async (target, _) =>
        {
            var (status, _, _) = await RawHttp.GetAsync(server, target);
            if (bad(status)) failures.Add($"{status} {(target.Length > 200 ? target[..200] + "…" : target)}");
        });
        return failures.ToArray();
    }

    /// <summary>Fails when the server log holds a stack trace or an error-level line.</summary>
    public static void AssertNoStackTrace(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var lines = log.Split('\n');
        var traced = lines.Where(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal)
                                      || l.Contains("Exception:", StringComparison.Ordinal)).Take(10).ToArray();
        Assert.True(traced.Length == 0, "server log:\n" + string.Join('\n', lines.Take(40)));
    }
}
