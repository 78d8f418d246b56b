using Interp.Core;

namespace Interp.Cli.Tests.Faults;

/// <summary>
/// A temporary folder with one tiny activation store (the embedded model, 2,048 tokens of one hook), harvested once for
/// the fault tests that need a real store.
/// </summary>
public sealed class FaultWorkspace : IDisposable
{
    public const string Hook = "blocks.1.hook_resid_pre";

    private readonly string _root = Directory.CreateTempSubdirectory("interp-faults-").FullName;

    private readonly Lazy<string> _sae;

    public FaultWorkspace()
    {
        var harvest = InterpProcess.Run(HarvestArgs(StoreRoot));
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);
        _sae = new Lazy<string>(TrainSae);
    }

    /// <summary>A tiny SAE trained on the store (made on first use; tests copy it before damaging it).</summary>
    public string Sae => _sae.Value;

    private string TrainSae()
    {
        var output = Path.Combine(_root, "sae");
        var train = InterpProcess.Run("train-sae", "--activations", StoreFolder, "--arch", "topk", "--d-sae", "64", "--k", "4",
            "--tokens", "2048", "--batch", "256", "--threads", "1", "--out", output);
        Assert.True(train.ExitCode == 0, train.Stderr);
        return output;
    }

    /// <summary>A copy of the files of <paramref name="folder"/> in a fresh folder.</summary>
    public string Copy(string folder)
    {
        var copy = Fresh(Path.GetFileName(folder));
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(folder)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    /// <summary>The harvested store root (one hook folder inside).</summary>
    public string StoreRoot => Path.Combine(_root, "store");

    /// <summary>The harvested hook folder.</summary>
    public string StoreFolder => Path.Combine(StoreRoot, Hook);

    /// <summary>A path under the workspace, unique to the caller.</summary>
    public string Fresh(string name) => Path.Combine(_root, $"{name}-{Guid.NewGuid():N}");

    /// <summary>A small harvest of <see cref="Hook"/> into <paramref name="output"/>.</summary>
    public static string[] HarvestArgs(string output, int tokens = 2048) =>
    [
        "harvest", "--corpus", TestRepo.Corpus("tinyshakespeare.txt"), "--hook", Hook, "--ctx", "64", "--batch", "4",
        "--tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "1", "--out", output,
    ];

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
