using static TorchSharp.torch;

namespace Interp.Tests.Shared;

/// <summary>
/// One libtorch thread per test process: on a 2-core machine shared with other work (and with xunit running test
/// classes in parallel), libtorch's OpenMP threads spin-wait on each other and a step runs ~10× slower than on one.
/// </summary>
internal static class OneTorchThread
{
#pragma warning disable CA2255 // a test assembly is the place for a module initializer
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Use() => set_num_threads(1);
}
