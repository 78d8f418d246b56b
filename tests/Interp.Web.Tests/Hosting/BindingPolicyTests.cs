using Interp.Core;
using Interp.Web.Security;

namespace Interp.Web.Tests.Hosting;

public sealed class BindingPolicyTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:5000")]
    [InlineData("http://127.0.0.1:0;http://[::1]:0")]
    public void Loopback_addresses_need_no_token(string urls) => Assert.Null(BindingPolicy.Refusal(urls, null));

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://192.168.1.20:5000")]
    [InlineData("http://example.org:5000")]
    [InlineData("http://127.0.0.1:5000;http://0.0.0.0:5001")]
    public void Other_addresses_are_refused_without_a_token_with_one_line_that_says_what_to_do(string urls)
    {
        var refusal = BindingPolicy.Refusal(urls, null);

        Assert.NotNull(refusal);
        Assert.DoesNotContain('\n', refusal.Message);
        Assert.Contains("pass access token T", refusal.Message, StringComparison.Ordinal);     // by meaning; serve names its flag
        Assert.Contains("pass --token T", refusal.MessageWith(n => n == "Token" ? "--token" : null), StringComparison.Ordinal);
        Assert.Contains("INTERP_TOKEN", refusal.Message, StringComparison.Ordinal);
        Assert.Null(BindingPolicy.Refusal(urls, "s3cret"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("ftp://127.0.0.1")]
    public void Malformed_addresses_are_named(string urls)
    {
        var e = Assert.Throws<InvalidOptionException>(() => BindingPolicy.Refusal(urls, null));
        Assert.Contains("listen address", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("--urls", e.MessageWith(n => n == "Urls" ? "--urls" : null), StringComparison.Ordinal);
    }
}
