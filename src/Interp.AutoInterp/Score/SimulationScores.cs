namespace Interp.AutoInterp.Score;

/// <summary>
/// How well a simulation matched: the correlation (OpenAI's preferred score), R² and absolute deviation explained;
/// each null when undefined (a constant side, no records). <see cref="Intercept"/>/<see cref="Slope"/> give the map
/// from the 0–10 scale to activation units that R² and deviation were computed with.
/// </summary>
public sealed record SimulationScores(double? Correlation, double? RSquared, double? AbsoluteDeviationExplained, double Intercept, double Slope);
