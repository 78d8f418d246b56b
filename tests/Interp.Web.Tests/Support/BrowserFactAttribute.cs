namespace Interp.Web.Tests.Support;

/// <summary>A test that drives Debian's chromium: skipped, with the reason, when chromium is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when there is no chromium on PATH.</summary>
    public BrowserFactAttribute()
    {
        if (TestPaths.Chromium is null)
            Skip = "chromium is not installed (Debian: apt-get install -y chromium); the real-browser tests need it";
    }
}
