using System.Text.Json;
using Interp.Core.Store;

namespace Interp.Cli.Tests.Sae;

/// <summary>
/// A SAELens-6-form JumpReLU folder written by the independent script (<c>tests/scripts/saelens_reference.py</c>) is
/// evaluated by <c>interp eval-sae</c>; its L0 and explained variance must equal the script's SAELens encode/decode on the
/// same tokens' activations, harvested from the same model and corpus.
/// </summary>
public sealed class SaelensFolderEvalTests
{
    private const string Hook = "blocks.1.hook_resid_pre";

    [NumpyFact]
    public void Eval_sae_on_a_saelens_6_jumprelu_folder_from_the_script_reports_the_scripts_l0_and_explained_variance()
    {
        using var dir = new TempDir();
        var corpus = TestRepo.Corpus("tinyshakespeare.txt");
        var harvest = InterpProcess.Run("harvest", "--corpus", corpus, "--hook", Hook, "--ctx", "64", "--tokens", "2048", "--out", dir["store"]);
        Assert.True(harvest.ExitCode == 0, harvest.Stderr);

        // The rows eval-sae sees: every position but a prepended BOS (SAELens's evals leave it out; so does eval-sae).
        bool prependBos;
        float[] rows;
        using (var store = ActivationStoreReader.Open(dir["store"], Hook))
        {
            prependBos = store.Manifest.PrependBos;
            var all = store.LoadAll();
            var (_, position, _) = store.LoadIndex();
            rows = Enumerable.Range(0, position.Length).Where(r => !(prependBos && position[r] == 0))
                .SelectMany(r => all.AsSpan(r * store.D, store.D).ToArray()).ToArray();
            Assert.Equal(128, store.D);
        }
        SaelensReference.WriteFloats(dir["rows.f32"], rows);
        SaelensReference.Run("write", dir["sae"], "--form", "6", "--arch", "jumprelu", "--rows", dir["rows.f32"], "--d-in", "128",
            "--d-sae", "512", "--seed", "11", "--hook", Hook, "--context-size", "64", "--prepend-bos", prependBos ? "true" : "false");
        var (_, _, l0, explainedVariance) = SaelensReference.Encode(dir["sae"], dir["rows.f32"], dir["reference"]);
        Assert.InRange(l0, 5, 500);                                                             // latents fire, not all of them

        var eval = InterpProcess.Run("eval-sae", "--sae", dir["sae"], "--corpus", corpus, "--tokens", "2048", "--threads", "1", "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var doc = JsonDocument.Parse(eval.Stdout);
        var r = doc.RootElement;
        Assert.Equal("jumprelu", r.GetProperty("architecture").GetString());
        Assert.Equal(rows.Length / 128, r.GetProperty("tokens").GetInt64());                    // the same positions
        var (ourL0, ourEv) = (r.GetProperty("l0").GetDouble(), r.GetProperty("explained_variance").GetDouble());
        Assert.True(Math.Abs(ourL0 - l0) <= 0.01 * l0, $"eval-sae L0 {ourL0}, SAELens semantics {l0}");
        Assert.True(Math.Abs(ourEv - explainedVariance) <= 0.005, $"eval-sae explained variance {ourEv}, SAELens semantics {explainedVariance}");
    }
}
