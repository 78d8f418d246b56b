using System.Runtime.InteropServices;

namespace Interp.Model;

/// <summary>
/// TorchSharp 0.107 frees a temporary <c>Scalar</c> (the implicit <c>alpha = 1</c> of <c>a + b</c>, the <c>2.0</c> of
/// <c>t * 2.0</c>) in its finalizer, and nothing keeps it alive through the native call that reads it: when a garbage
/// collection runs during that call, the finalizer thread may free it first and libtorch reads freed memory. It then
/// fails with "Expected false to be true … Exception raised from toFloat at c10/core/Scalar.h". Measured here: a loop of
/// tensor additions beside a thread that allocates failed 66 times in 200,000 iterations; SAE training runs of 1,000–3,000
/// steps failed about one time in five. The failing operation has done nothing (libtorch checks the scalar on entry),
/// but earlier operations of the same step may have, so a long job recovers from its last checkpoint.
/// </summary>
public static class TorchSharpScalarRace
{
    /// <summary>How many times a job restarts from its checkpoint after this failure before it gives up.</summary>
    public const int MaxRecoveries = 20;

    /// <summary>True when <paramref name="exception"/> is libtorch reading a freed scalar.</summary>
    /// <remarks>The freed scalar reads either as garbage of no known type (Scalar.h's check) or as a floating-point alpha
    /// on an integer addition (seen in <c>rows * n + columns</c>: "argument alpha must not be a floating point number").</remarks>
    public static bool IsScalarRace(Exception exception) =>
        exception is ExternalException &&
        (exception.Message.Contains("c10/core/Scalar.h", StringComparison.Ordinal) ||
         exception.Message.Contains("argument alpha must not be a floating point number", StringComparison.Ordinal));
}
