using Interp.Core;
using System.Text.Json.Serialization;

namespace Interp.Sae;

/// <summary>
/// Progress of an SAE training run: one line of <c>training_log.jsonl</c> (snake_case keys; <c>lr</c> for the learning
/// rate) and what the progress callback receives. Loss terms, L0 and explained variance are means over the steps since
/// the previous report, in normalised units (see <see cref="SaeStepOutput"/>).
/// </summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TotalSteps">Steps the run will take.</param>
/// <param name="Tokens">Activation rows trained on so far.</param>
/// <param name="Loss">The total loss.</param>
/// <param name="Mse">The reconstruction term (‖x̂ − x‖² summed over d_in).</param>
/// <param name="SparsityLoss">The L1 / L0 term (relu, jumprelu).</param>
/// <param name="AuxLoss">The AuxK term (topk, batchtopk).</param>
/// <param name="L0">Active latents per token.</param>
/// <param name="ExplainedVariance">1 − FVU.</param>
/// <param name="DeadFraction">Fraction of latents that fired in none of the last <see cref="SaeTrainingOptions.DeadWindow"/> steps.</param>
/// <param name="LearningRate">The learning rate at the last step.</param>
/// <param name="SparsityCoefficient">The sparsity coefficient at the last step (after its warm-up).</param>
/// <param name="TokensPerSecond">Training throughput since the previous report.</param>
public sealed record SaeTrainProgress(
    int Step, int TotalSteps, long Tokens, double Loss, double Mse, double SparsityLoss, double AuxLoss, double L0,
    double ExplainedVariance, double DeadFraction, [property: JsonPropertyName("lr")] double LearningRate,
    double SparsityCoefficient, double TokensPerSecond) : IJobProgress
{
    // Explicit, so training_log.jsonl keeps its keys.
    long IJobProgress.Done => Step;
    long IJobProgress.Total => TotalSteps;

    /// <summary>One plain line: step, loss, L0, explained variance, dead fraction and throughput.</summary>
    public string Describe() =>
        $"step {Step:N0}/{TotalSteps:N0} | loss {Loss:F4} | L0 {L0:F1} | expl. var. {ExplainedVariance:F3} | dead {DeadFraction:P1} | {TokensPerSecond:N0} tokens/s";
}

/// <summary>A finished run: the trained SAE (saved in <see cref="Directory"/>; the caller disposes it) and its totals.</summary>
/// <param name="Sae">The trained SAE, owned by the caller.</param>
/// <param name="Directory">The SAE folder written.</param>
/// <param name="Steps">Steps completed (fewer than planned when the source ran out).</param>
/// <param name="Tokens">Rows trained on.</param>
/// <param name="Seconds">Wall time of this call.</param>
/// <param name="Last">The last progress report.</param>
public sealed record SaeTrainResult(SparseAutoencoder Sae, string Directory, int Steps, long Tokens, double Seconds, SaeTrainProgress? Last) : IDisposable
{
    /// <summary>Disposes <see cref="Sae"/>.</summary>
    public void Dispose() => Sae.Dispose();
}
