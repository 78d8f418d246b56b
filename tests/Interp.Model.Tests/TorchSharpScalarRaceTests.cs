using System.Runtime.InteropServices;
using Interp.Model;

namespace Interp.Model.Tests;

/// <summary>Both ways libtorch reports a freed temporary scalar are recognised (long jobs recover from them), and nothing else is.</summary>
public sealed class TorchSharpScalarRaceTests
{
    [Theory]
    [InlineData("Expected false to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)\nException raised from toFloat at /pytorch/c10/core/Scalar.h:140 (most recent call first):", true)]
    [InlineData("For integral input tensors, argument alpha must not be a floating point number.\nException raised from alpha_check at /pytorch/aten/src/ATen/native/BinaryOps.h:19 (most recent call first):", true)]
    [InlineData("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", false)]
    public void A_freed_scalar_is_recognised_by_either_message_and_a_real_error_is_not(string message, bool race)
    {
        Assert.Equal(race, TorchSharpScalarRace.IsScalarRace(new ExternalException(message)));
        Assert.False(TorchSharpScalarRace.IsScalarRace(new InvalidOperationException(message)));
    }
}
