using Calib.Algorithms.Ristretto;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>Worked values of Ristretto's three number formats.</summary>
[TestClass]
public sealed class NumberFormatTests
{
    [TestMethod]
    [DataRow(1.3f, 1.25f)]      // 5.2 steps → 5
    [DataRow(1.375f, 1.5f)]     // 5.5 steps: a tie, away from zero → 6
    [DataRow(-1.375f, -1.5f)]   // −5.5 → −6
    [DataRow(0.625f, 0.75f)]    // 2.5 → 3 (half-to-even would give 0.5)
    [DataRow(31.9f, 31.75f)]    // saturates at (2^7 − 1)·2^−2
    [DataRow(100f, 31.75f)]
    [DataRow(-100f, -32f)]      // saturates at −2^7·2^−2
    [DataRow(0f, 0f)]
    public void Fixed_point_8_bits_fl_2_rounds_to_quarters_and_saturates(float value, float expected) =>
        Assert.AreEqual(expected, new DynamicFixedPoint(8, 2).Quantize(value));

    [TestMethod]
    [DataRow(5f, 6f)]           // 2.5 steps of 2 → 3
    [DataRow(3f, 4f)]           // 1.5 → 2
    [DataRow(2.9f, 2f)]         // 1.45 → 1
    [DataRow(1000f, 254f)]      // (2^7 − 1)·2
    [DataRow(-1000f, -256f)]
    public void A_negative_fractional_length_gives_a_grid_coarser_than_one(float value, float expected) =>
        Assert.AreEqual(expected, new DynamicFixedPoint(8, -1).Quantize(value));

    [TestMethod]
    public void Fixed_point_range_and_step()
    {
        var format = new DynamicFixedPoint(4, 1);
        Assert.AreEqual(0.5, format.Step);
        Assert.AreEqual(3.5, format.Max);
        Assert.AreEqual(-4.0, format.Min);
    }

    [TestMethod]
    [DataRow(0.3, 0)]     // ceil(−1.74) + 1
    [DataRow(10.0, 5)]    // ceil(3.32) + 1
    [DataRow(8.0, 4)]     // exactly 2^3: 3 + 1
    [DataRow(8.5, 5)]
    public void Integer_length_is_ceil_log2_of_the_largest_magnitude_plus_the_sign_bit(double maxAbs, int expected) =>
        Assert.AreEqual(expected, DynamicFixedPoint.IntegerLength(maxAbs));

    [TestMethod]
    public void Fractional_length_is_the_width_minus_the_integer_length() =>
        Assert.AreEqual(new DynamicFixedPoint(8, 5), DynamicFixedPoint.ForIntegerLength(8, 3));

    [TestMethod]
    public void Stochastic_rounding_is_unbiased_and_repeatable_with_a_seed()
    {
        var format = new DynamicFixedPoint(8, 2);
        var first = Draw(format, new Random(7));
        CollectionAssert.AreEqual(first, Draw(format, new Random(7)));
        CollectionAssert.AreEquivalent(new[] { 1.25f, 1.5f }, first.Distinct().ToArray());
        // 1.3 is 5.2 steps: it rounds up with probability 0.2, so the mean stays 1.3.
        Assert.AreEqual(1.3, first.Average(), 0.005);

        static float[] Draw(DynamicFixedPoint format, Random random) =>
            Enumerable.Range(0, 20_000).Select(_ => format.Quantize(1.3f, RistrettoRounding.Stochastic, random)).ToArray();
    }

    [TestMethod]
    public void Stochastic_rounding_without_a_generator_is_refused() =>
        Assert.ThrowsExactly<ArgumentNullException>(() => new DynamicFixedPoint(8, 2).Quantize(1f, RistrettoRounding.Stochastic));

    [TestMethod]
    [DataRow(1.0f, 1.0f)]
    [DataRow(1.1f, 1.125f)]       // mantissa 0.8 of 1/8 → 1
    [DataRow(1.0625f, 1.125f)]    // mantissa 0.5: a tie, away from zero
    [DataRow(-1.1f, -1.125f)]
    [DataRow(3f, 3f)]
    [DataRow(1000f, 480f)]        // exponent 9 > 8: (2 − 1/8)·2^8
    [DataRow(500f, 512f)]         // mantissa rounds up to 2^3 and carries; Ristretto leaves the carry unsaturated
    [DataRow(0.00390625f, 0f)]    // 2^−8: below the smallest exponent −7, no denormals
    [DataRow(0.0078125f, 0.0078125f)] // 2^−7, the smallest value
    [DataRow(0f, 0f)]
    public void Minifloat_4_exponent_3_mantissa_bits(float value, float expected) =>
        Assert.AreEqual(expected, new Minifloat(3, 4).Quantize(value));

    [TestMethod]
    public void Minifloat_exponent_range_and_bias()
    {
        var format = new Minifloat(3, 4);
        Assert.AreEqual(7, format.Bias);
        Assert.AreEqual(-7, format.MinExponent);
        Assert.AreEqual(8, format.MaxExponent);
        Assert.AreEqual(480.0, format.Max);
        Assert.AreEqual(8, format.BitWidth);
    }

    [TestMethod]
    [DataRow(30.0, 3)]    // ceil(log2(log2 30 − 1) + 1) = ceil(2.97)
    [DataRow(1000.0, 5)]  // ceil(log2(8.97) + 1) = ceil(4.16)
    public void Minifloat_exponent_bits_avoid_saturation(double maxAbs, int expected) =>
        Assert.AreEqual(expected, Minifloat.ExponentBitsFor(maxAbs));

    [TestMethod]
    public void Minifloat_exponent_bits_are_undefined_for_magnitudes_up_to_two() =>
        Assert.IsNull(Minifloat.ExponentBitsFor(1.5));

    [TestMethod]
    [DataRow(0.3f, 0.25f)]      // log2 = −1.74 → −2
    [DataRow(-0.3f, -0.25f)]
    [DataRow(0.36f, 0.5f)]      // above 2^−1.5 = 0.354 → −1
    [DataRow(0.35f, 0.25f)]     // below it → −2
    [DataRow(2f, 0.5f)]         // exponent 1 clamps to −1
    [DataRow(0.001f, 0.00390625f)] // −9.97 → −10, clamps to −8
    [DataRow(0f, 0.00390625f)]  // no zero: log2 0 = −∞ clamps to −8
    public void Power_of_two_weights_from_2_to_the_minus_8_to_2_to_the_minus_1(float value, float expected) =>
        Assert.AreEqual(expected, PowerOfTwo.Ristretto.Quantize(value));

    [TestMethod]
    public void Ristrettos_power_of_two_weights_are_4_bits() => Assert.AreEqual(4, PowerOfTwo.Ristretto.BitWidth);
}
