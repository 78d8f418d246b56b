using Interp.AutoInterp.Batch;
using Interp.Web.Runs;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Data;

/// <summary><see cref="ResultsCounter"/> counts only lines whose unit id parses and names a unit the run's records hold.</summary>
public sealed class ResultsCounterTests
{
    [Fact]
    public void Only_units_of_the_records_sources_within_their_width_are_counted()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("counter"), ResultsFile.FileName);
        string[] units =
        [
            "blocks.1.mlp.hook_post/0", "blocks.1.mlp.hook_post/9", "sae:blocks.2.hook_resid_pre/4",      // counted
            "blocks.1.mlp.hook_post/10", "blocks.1.mlp.hook_post/-1", "blocks.1.mlp.hook_post", "/3",      // not
            "sae:blocks.2.hook_resid_pre/x", "sae:blocks.2.hook_resid_pre/5", "blocks.3.mlp.hook_post/1",
        ];
        File.WriteAllLines(path, units.Select(u => $"{{\"unit\":\"{u}\",\"status\":\"ok\"}}"));
        RecordsInfo[] records =
        [
            new("n", "blocks.1.mlp.hook_post", "neuron", "blocks.1.mlp.hook_post", 10, 10, 100, Complete: true),
            new("s", "sae:blocks.2.hook_resid_pre", "sae_latent", "blocks.2.hook_resid_pre", 5, 5, 100, Complete: true),
            new("p", "blocks.3.mlp.hook_post", "neuron", "blocks.3.mlp.hook_post", 10, 10, 100, Complete: false),
        ];

        var (counted, ignored) = ResultsCounter.Count(path, records);

        Assert.Equal(3, counted);
        Assert.Contains("ignored 7 lines of units the source does not have", ignored, StringComparison.Ordinal);
    }
}
