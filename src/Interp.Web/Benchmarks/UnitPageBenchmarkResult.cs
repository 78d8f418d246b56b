namespace Interp.Web.Benchmarks;

/// <summary>What <see cref="UnitPageBenchmark"/> measured; sizes in kB of 1,000 bytes.</summary>
/// <param name="Run">The run served.</param>
/// <param name="Source">The unit source timed.</param>
/// <param name="StoreUnits">Units in the records store.</param>
/// <param name="Units">Pages timed.</param>
/// <param name="Warmup">Pages fetched before timing.</param>
/// <param name="Seed">Seed of the choice of units.</param>
/// <param name="RenderMilliseconds">Time from sending the GET to the last byte of the page as sent (loopback; rendering and compressing).</param>
/// <param name="HtmlKilobytes">The prerendered HTML of a page, as rendered (decoded).</param>
/// <param name="WireKilobytes">The same page's body as sent when the client takes Brotli and gzip (the bytes on the wire).</param>
/// <param name="ContentEncoding">The content coding(s) the server chose for the pages (<c>br</c>; <c>identity</c> for none), <c>; </c> between several.</param>
/// <param name="ChartKilobytes">The JSON a page's charts send once interactive.</param>
/// <param name="PageKilobytes">HTML and chart JSON of a page together.</param>
/// <param name="Tokens">Coloured tokens a page shows.</param>
/// <param name="FirstMilliseconds">The app's first page, fetched before all others (not in the figures above): it opens the store and caches the unit list.</param>
/// <param name="Seconds">Wall time of the timed pages.</param>
public sealed record UnitPageBenchmarkResult(string Run, string Source, int StoreUnits, int Units, int Warmup, int Seed,
    Spread RenderMilliseconds, Spread HtmlKilobytes, Spread WireKilobytes, string ContentEncoding, Spread ChartKilobytes, Spread PageKilobytes, Spread Tokens, double FirstMilliseconds, double Seconds);
