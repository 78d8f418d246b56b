using System.IO.Compression;
using System.Text;
using Interp.Core;
using Interp.Web.Benchmarks;

namespace Interp.Web.Tests.Benchmarks;

public sealed class EncodedBodyTests
{
    private static readonly byte[] Page = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<span class=\"tok\">the</span>", 200)));

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public void A_compressed_body_decodes_to_what_was_compressed_and_keeps_its_size_as_sent(string coding)
    {
        var wire = Compress(coding, Page);

        var body = EncodedBody.Decode([coding], wire);

        Assert.Equal(coding, body.Encoding);
        Assert.Equal(wire.Length, body.Wire.Length);
        Assert.Equal(Page, body.Rendered);
    }

    [Fact]
    public void A_body_without_a_coding_is_identity()
    {
        var body = EncodedBody.Decode([], Page);

        Assert.Equal(EncodedBody.Identity, body.Encoding);
        Assert.Same(Page, body.Rendered);
    }

    [Fact]
    public void A_coding_the_benchmark_did_not_ask_for_is_one_line_naming_it()
    {
        var e = Assert.Throws<InterpException>(() => EncodedBody.Decode(["zstd"], Page));

        Assert.Contains("'zstd'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_does_not_decode_is_one_line_naming_its_coding()
    {
        var e = Assert.Throws<InterpException>(() => EncodedBody.Decode(["gzip"], Page));

        Assert.Contains("gzip", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Compress(string coding, byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream encoder = coding == "br" ? new BrotliStream(output, CompressionLevel.Optimal) : new GZipStream(output, CompressionLevel.Optimal))
            encoder.Write(data);
        return output.ToArray();
    }
}
