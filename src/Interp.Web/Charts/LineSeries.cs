namespace Interp.Web.Charts;

/// <summary>One line of a line chart; NaN y values are gaps.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values.</param>
public sealed record LineSeries(string Name, double[] X, double[] Y);
