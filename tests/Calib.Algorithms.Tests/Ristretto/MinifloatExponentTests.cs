using Calib.Algorithms.Ristretto;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>The minifloat exponent width: saturation (Ristretto), underflow, and Ristretto's floor of 4.</summary>
[TestClass]
public sealed class MinifloatExponentTests
{
    [TestMethod]
    [DataRow(1.0, 1.0 / 256, 5)]   // pixels: 2^−8 needs bias 8 > 7, so 5 bits (bias 15)
    [DataRow(1.0, 0.0, 5)]         // no minimum seen: 1·2^−8 is the floor all the same
    [DataRow(40.0, 0.5, 2)]        // floor max(0.5, 40/256) = 2^−1: bias 1, 2 bits
    [DataRow(0.25, 1e-9, 5)]       // a tiny weight is below the 2^−8 floor: 0.25·2^−8 = 2^−10, bias 10
    [DataRow(0.0, 0.0, 1)]         // an all-zero group demands nothing
    public void Underflow_bits_keep_values_down_to_the_significant_floor(double max, double minNonZero, int expected)
    {
        var bits = MinifloatExponent.UnderflowBits(max, minNonZero);
        if (max > 0)
        {
            var floor = Math.Max(minNonZero, max / 256);
            Assert.AreNotEqual(0f, new Minifloat(10, bits).Quantize((float)floor), "the floor survives");
            if (bits > 1) Assert.AreEqual(0f, new Minifloat(10, bits - 1).Quantize((float)floor), "one bit fewer flushes it");
        }
        Assert.AreEqual(expected, bits);
    }

    [TestMethod]
    public void Ristretto_starts_from_four_bits()
    {
        // Saturation (outputs up to 6) and underflow (nothing below 0.5) each need 2 bits; Ristretto never goes below 4.
        var choice = MinifloatExponent.Choose([new LayerRanges(1, 6, 1, MinIn: 0.5, MinOut: 0.5, MinParams: 0.5)]);
        Assert.AreEqual(new MinifloatExponent(4, 2, 2), choice);
    }

    [TestMethod]
    public void Large_activations_widen_the_exponent_by_saturation()
    {
        var choice = MinifloatExponent.Choose([new LayerRanges(1, 1e6, 1, 0.5, 1e4, 0.5)]);
        Assert.AreEqual(6, choice.Saturation);   // ceil(log2(log2 1e6 − 1) + 1) = ceil(5.2)
        Assert.AreEqual(6, choice.Bits);
        Assert.AreEqual(1e6, new Minifloat(9, choice.Bits).Quantize(1e6f), 1e6 / 512, "the largest output does not saturate");
    }
}
