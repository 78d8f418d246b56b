using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Interp.Core.Records;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;
using Interp.Web.Units;

namespace Interp.Web.Tests.Hosting;

/// <summary>
/// Response compression on the real <c>interp serve</c> (Kestrel on 127.0.0.1) of the fixture run: a page comes in the
/// coding the client takes (Brotli first, then gzip, else as is) and decodes to the page sent uncompressed; the Blazor
/// and Plotly scripts come compressed by the build; markup in the corpus stays escaped.
/// </summary>
[Collection(WebAppCollection.Name)]
public sealed partial class ResponseCompressionTests(WebAppFixture fixture)
{
    private string UnitPage => UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, 3);

    [Theory]
    [InlineData("br, gzip", "br")]
    [InlineData("gzip, deflate", "gzip")]
    public async Task A_unit_page_comes_in_the_coding_the_client_takes_and_decodes_to_the_page_sent_uncompressed(string accept, string expected)
    {
        var plain = await GetAsync(UnitPage, null);
        var sent = await GetAsync(UnitPage, accept);

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal(expected, sent.Encoding);
        Assert.Contains("Accept-Encoding", sent.Vary, StringComparison.OrdinalIgnoreCase);
        var page = Decode(expected, sent.Body);
        Assert.Contains("id=\"top-activations\"", page, StringComparison.Ordinal);
        // Blazor's prerender markers carry a freshly encrypted component descriptor and Plotly's chart elements a random id
        // on every request: all else is the same page.
        Assert.Equal(WithoutPerRequestValues(Encoding.UTF8.GetString(plain.Body)), WithoutPerRequestValues(page));
        // Coloured tokens repeat their markup: the page compresses well (about a tenth on the quickstart run).
        Assert.True(sent.Body.Length * 4 < plain.Body.Length, $"{sent.Body.Length:N0} bytes as {expected}, {plain.Body.Length:N0} as is");
    }

    [Fact]
    public async Task A_unit_page_comes_uncompressed_to_a_client_that_takes_no_coding()
    {
        var sent = await GetAsync(UnitPage, null);

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Null(sent.Encoding);
        Assert.StartsWith("<!DOCTYPE html>", Encoding.UTF8.GetString(sent.Body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_framework/blazor.web.js")]
    [InlineData("_content/Plotly.Blazor/plotly-interop-7.2.0.js")]
    [InlineData("_content/Plotly.Blazor/plotly-3.7.0.min.js")]
    public async Task The_blazor_and_plotly_scripts_come_compressed_by_the_build(string script)
    {
        var plain = await GetAsync(script, null);
        var sent = await GetAsync(script, "br, gzip");

        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.True(sent.Encoding is "br" or "gzip", $"Content-Encoding: {sent.Encoding ?? "(none)"}");
        var decoded = DecodeBytes(sent.Encoding!, sent.Body);
        Assert.True(decoded.AsSpan().SequenceEqual(plain.Body), $"decoded {decoded.Length:N0} bytes differ from the {plain.Body.Length:N0} sent as is");
        Assert.True(sent.Body.Length * 2 < plain.Body.Length, $"{sent.Body.Length:N0} bytes as {sent.Encoding}, {plain.Body.Length:N0} as is");
        // A file compressed once by the build goes out with its length; one compressed per request would be chunked.
        Assert.Equal(sent.Body.Length, sent.ContentLength);
    }

    [Fact]
    public async Task Pages_may_be_framed_by_no_site()
    {
        var sent = await GetAsync(UnitPage, "br, gzip");

        Assert.Contains("frame-ancestors 'none'", sent.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("DENY", sent.FrameOptions);
    }

    [Fact]
    public async Task Markup_in_the_corpus_stays_escaped_in_a_compressed_page()
    {
        int index;
        using (var units = new RecordsUnitPageSource(new RunCatalog(fixture.Run.RunsFolder)))
        {
            index = units.Rows(units.FindSource(FixtureRun.Name, FixtureRun.MlpHook)!)
                .Select(r => units.Find(FixtureRun.Name, new UnitId(FixtureRun.MlpHook, r.Index))!)
                .First(p => p.Record.Top.Take(20).Any(w => string.Concat(w.Tokens).Contains("<img", StringComparison.Ordinal))).Record.Id.Index;
        }

        var sent = await GetAsync(UnitUrls.Unit(FixtureRun.Name, FixtureRun.MlpHook, index), "br, gzip");

        Assert.Equal("br", sent.Encoding);
        var page = Decode("br", sent.Body);
        Assert.Contains("&lt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>window", page, StringComparison.Ordinal);
    }

    private sealed record Sent(HttpStatusCode Status, string? Encoding, byte[] Body, long? ContentLength, string Vary, string ContentSecurityPolicy, string FrameOptions);

    /// <summary>GETs <paramref name="target"/> asking for <paramref name="acceptEncoding"/> (null: no Accept-Encoding) and keeps the body as sent.</summary>
    private async Task<Sent> GetAsync(string target, string? acceptEncoding)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
            { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, target);
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        string Header(string name) => response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
        return new Sent(response.StatusCode, response.Content.Headers.ContentEncoding.SingleOrDefault(), body, response.Content.Headers.ContentLength,
            Header("Vary"), Header("Content-Security-Policy"), Header("X-Frame-Options"));
    }

    private static string Decode(string encoding, byte[] body) => Encoding.UTF8.GetString(DecodeBytes(encoding, body));

    private static byte[] DecodeBytes(string encoding, byte[] body)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    private static string WithoutPerRequestValues(string page) => PlotlyChartId().Replace(BlazorMarker().Replace(page, "<!--Blazor-->"), "PlotlyChart");

    [GeneratedRegex("<!--Blazor.*?-->", RegexOptions.Singleline)]
    private static partial Regex BlazorMarker();

    [GeneratedRegex("PlotlyChart-?[0-9]+")]
    private static partial Regex PlotlyChartId();
}
