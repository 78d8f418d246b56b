using Interp.AutoInterp.Batch;

namespace Interp.AutoInterp.Tests;

/// <summary>Explain, simulate and score stay light: the library loads no TorchSharp and none of the projects that bring it.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void The_autointerp_library_references_only_core_of_the_repository_and_no_torchsharp()
    {
        var references = typeof(AutoInterpRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["Interp.Core"], references.Where(name => name.StartsWith("Interp.", StringComparison.Ordinal)).Order());
    }
}
