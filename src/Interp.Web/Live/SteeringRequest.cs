namespace Interp.Web.Live;

/// <summary>
/// A steering request: generate from <paramref name="Prompt"/> twice, without and with the unit pushed by
/// <paramref name="Strength"/> — an SAE latent's decoder direction added at every position, or a neuron's activation
/// raised by that much.
/// </summary>
/// <param name="Prompt">The prompt.</param>
/// <param name="Hook">The hook of the neuron (ignored when <paramref name="SaeFolder"/> is set).</param>
/// <param name="SaeFolder">An SAE folder, or null for a neuron of <paramref name="Hook"/>.</param>
/// <param name="Unit">Latent or neuron index.</param>
/// <param name="Strength">Coefficient added along the unit.</param>
/// <param name="MaxNewTokens">Tokens to generate.</param>
/// <param name="Temperature">0: greedy; else sampling with top-k 40 and <paramref name="Seed"/> (the same for both runs).</param>
/// <param name="Seed">Sampling seed.</param>
/// <param name="MaxPromptTokens">Prompt tokens kept at most.</param>
public sealed record SteeringRequest(string Prompt, string Hook, string? SaeFolder, int Unit, double Strength, int MaxNewTokens,
    double Temperature, int Seed, int MaxPromptTokens);

/// <summary>The two continuations, as text.</summary>
/// <param name="Prompt">The prompt as run (after the token limit).</param>
/// <param name="Unit">What was steered, e.g. <c>sae:blocks.2.hook_resid_pre/88</c>.</param>
/// <param name="Baseline">The continuation without steering.</param>
/// <param name="Steered">The continuation with steering.</param>
public sealed record SteeringResult(string Prompt, string Unit, string Baseline, string Steered);
