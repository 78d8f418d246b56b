using System.Xml.Linq;

namespace Interp.Cli.Tests;

/// <summary>Library test projects build libraries only: the command line (and so ASP.NET) comes with the CLI and web tests alone.</summary>
public sealed class ProjectReferenceTests
{
    [Fact]
    public void Only_the_cli_and_web_test_projects_reference_the_cli_project()
    {
        var referencing = Directory.GetFiles(Path.Combine(TestRepo.Root, "tests"), "*.csproj", SearchOption.AllDirectories)
            .Where(csproj => XDocument.Load(csproj).Descendants("ProjectReference")
                .Any(r => Path.GetFileName(r.Attribute("Include")?.Value ?? "") == "Interp.Cli.csproj"))
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);

        Assert.Equal(["Interp.Cli.Tests", "Interp.Web.Tests"], referencing);
    }
}
