using Interp.Core.Store;

namespace Interp.Harvest.Tests;

public class HalfConversionTests
{
    [Fact]
    public void Vectorised_float16_conversions_equal_the_scalar_casts_bit_for_bit()
    {
        var random = new Random(3);
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, -65520f, 1e10f, float.PositiveInfinity, float.NegativeInfinity,
            6.1035156e-5f, 6.1035153e-5f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 1e-9f, -3e-6f, 0.1f, 1.0009765625f, 1.00048828125f,
            1.00146484375f, 2049f, 2051f, 4097f,
        };
        for (var i = 0; i < 100_000; i++)
        {
            values.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 20))));
            values.Add(BitConverter.Int32BitsToSingle(random.Next() & 0x7F7FFFFF) * (random.Next(2) * 2 - 1));
        }
        var source = values.ToArray();
        var half = new Half[source.Length];
        HalfConversion.ToHalf(source, half);
        for (var i = 0; i < source.Length; i++)
            Assert.True(BitConverter.HalfToUInt16Bits((Half)source[i]) == BitConverter.HalfToUInt16Bits(half[i]),
                $"{source[i]:R}: vector {BitConverter.HalfToUInt16Bits(half[i]):X4}, scalar {BitConverter.HalfToUInt16Bits((Half)source[i]):X4}");

        var allHalves = Enumerable.Range(0, 65536).Select(b => BitConverter.UInt16BitsToHalf((ushort)b)).ToArray();
        var widened = new float[allHalves.Length];
        HalfConversion.ToSingle(allHalves, widened);
        for (var i = 0; i < allHalves.Length; i++)
        {
            var scalar = (float)allHalves[i];
            if (float.IsNaN(scalar)) Assert.True(float.IsNaN(widened[i]));
            else Assert.Equal(BitConverter.SingleToInt32Bits(scalar), BitConverter.SingleToInt32Bits(widened[i]));
        }
        var nan = new Half[16];
        HalfConversion.ToHalf(Enumerable.Repeat(float.NaN, 16).ToArray(), nan);
        Assert.All(nan, h => Assert.True(Half.IsNaN(h)));
    }
}
