using Interp.Core;
using Interp.Sae;
using Interp.Web.ModelWorker;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Model;

/// <summary>
/// The live model follows an SAE's cfg.json (<c>model_from_pretrained_kwargs</c>) when serve was given no processing
/// flags, and serve's flags when it was; without an SAE it is the model as loaded (or as the flags say).
/// </summary>
public sealed class ModelSessionProcessingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("interp-web-tl-").FullName;

    private string SaeFolder(TlProcessing processing)
    {
        var folder = Path.Combine(_dir, processing.ToString().Replace(", ", "+"));
        using var sae = SparseAutoencoder.Create(new SaeConfig
        {
            Architecture = SaeArchitecture.Relu, DIn = 128, DSae = 16, HookName = "blocks.1.hook_resid_pre", ModelProcessing = processing,
        });
        sae.Save(folder);
        return folder;
    }

    [Fact]
    public void Each_sae_gets_the_model_processed_as_its_cfg_says_and_units_without_an_sae_get_the_plain_model()
    {
        var centred = SaeFolder(new TlProcessing(CenterWritingWeights: true));
        var plain = SaeFolder(TlProcessing.None);
        using var session = new ModelSession(TestPaths.DefaultModel, "cpu");
        Assert.Equal(new TlProcessing(CenterWritingWeights: true), session.ModelFor(centred).Processing);
        Assert.Equal(TlProcessing.None, session.ModelFor(plain).Processing);
        Assert.Same(session.Model, session.ModelFor(null));
        Assert.Same(session.Model, session.ModelFor(plain));
        Assert.Same(session.ModelFor(centred), session.ModelFor(centred));           // loaded once
    }

    [Fact]
    public void Serves_processing_flags_win_over_the_cfg()
    {
        var centred = SaeFolder(new TlProcessing(CenterWritingWeights: true));
        using var session = new ModelSession(TestPaths.DefaultModel, "cpu", TlProcessing.TransformerLensDefaults);
        Assert.Equal(TlProcessing.TransformerLensDefaults, session.Model.Processing);
        Assert.Same(session.Model, session.ModelFor(centred));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
