using Interp.Core;

namespace Interp.Core.Tests.Artifacts;

/// <summary><see cref="ManifestFormat"/>: the format and version are checked first; damage is one line naming the file.</summary>
public sealed class ManifestFormatTests
{
    private static readonly ManifestFormat Format = new("interp.test", 2, "a test manifest", "test format version");

    private sealed record TestManifest
    {
        public string Format { get; init; } = "interp.test";
        public int FormatVersion { get; init; } = 2;
        public required string Hook { get; init; }
        public string? Note { get; init; }
    }

    [Fact]
    public void A_manifest_round_trips_with_snake_case_indented_readable_text_and_no_nulls()
    {
        var manifest = new TestManifest { Hook = "<|endoftext|>" };

        var json = ManifestFormat.ToJson(manifest);

        Assert.Equal("{\n  \"format\": \"interp.test\",\n  \"format_version\": 2,\n  \"hook\": \"<|endoftext|>\"\n}", json.ReplaceLineEndings("\n"));
        Assert.Equal(manifest, Format.Parse<TestManifest>(json, "m.json"));
    }

    [Theory]
    [InlineData("""{"format":"interp.other","format_version":2,"hook":"h"}""", "m.json: not a test manifest (format 'interp.other', expected 'interp.test')")]
    [InlineData("""{"format":"interp.test","format_version":3,"hook":"h"}""", "m.json: test format version 3 is not supported (this program reads version 2)")]
    [InlineData("""{"format":"interp.test","format_version":2,"hook":7}""", "m.json: damaged manifest (")]
    [InlineData("""{"format":"interp.test","format_version":"2"}""", "m.json: damaged manifest (")]
    [InlineData("""{"format":"interp.test","format_version":2}""", "m.json: damaged manifest (")]
    [InlineData("""{"format":"interp.te""", "m.json: damaged manifest (")]
    [InlineData("null", "m.json: not a test manifest (format '', expected 'interp.test')")]
    public void A_bad_manifest_is_one_line_naming_the_file(string json, string expectedStart)
    {
        var e = Assert.Throws<InterpException>(() => Format.Parse<TestManifest>(json, "m.json"));
        Assert.StartsWith(expectedStart, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
