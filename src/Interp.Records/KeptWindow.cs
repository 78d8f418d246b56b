namespace Interp.Records;

/// <summary>A window kept while records are built: where it is, its peak, and the unit's values over it.</summary>
/// <param name="Context">Global context index.</param>
/// <param name="Start">First position in the context.</param>
/// <param name="Peak">Largest value in the window.</param>
/// <param name="Values">The unit's values at the window's positions.</param>
internal sealed record KeptWindow(long Context, int Start, float Peak, float[] Values);
