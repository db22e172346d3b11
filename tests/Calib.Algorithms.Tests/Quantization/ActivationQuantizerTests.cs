using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Tests.Quantization;

[TestClass]
public sealed class ActivationQuantizerTests
{
    [TestMethod]
    public void Asymmetric_range_gives_uint8_scale_and_zero_point()
    {
        var quantizer = ActivationQuantizer.FromRange(new ClipRange(-1, 3), asymmetric: true);

        Assert.AreEqual((float)(4.0 / 255), quantizer.Scale);
        Assert.AreEqual(64, quantizer.ZeroPoint); // round(1 / (4/255)) = round(63.75)
        Assert.AreEqual(-64, quantizer.Offset);
        Assert.AreEqual(0, quantizer.QMin);
        Assert.AreEqual(255, quantizer.QMax);
    }

    [TestMethod]
    public void Symmetric_range_gives_int8_scale_and_no_zero_point()
    {
        var quantizer = ActivationQuantizer.FromRange(new ClipRange(-1, 3), asymmetric: false);

        Assert.AreEqual((float)(3.0 / 127), quantizer.Scale);
        Assert.AreEqual(0, quantizer.ZeroPoint);
        Assert.AreEqual(-128, quantizer.QMin);
        Assert.AreEqual(127, quantizer.QMax);
    }

    [TestMethod]
    public void A_positive_range_is_extended_down_to_zero_and_gets_zero_point_0()
    {
        var quantizer = ActivationQuantizer.FromRange(new ClipRange(2, 5), asymmetric: true);

        Assert.AreEqual((float)(5.0 / 255), quantizer.Scale);
        Assert.AreEqual(0, quantizer.ZeroPoint);
        Assert.AreEqual(0f, quantizer.FakeQuantize(0f));
    }

    [TestMethod]
    public void A_negative_range_is_extended_up_to_zero_and_gets_zero_point_255()
    {
        var quantizer = ActivationQuantizer.FromRange(new ClipRange(-5, -2), asymmetric: true);

        Assert.AreEqual((float)(5.0 / 255), quantizer.Scale);
        Assert.AreEqual(255, quantizer.ZeroPoint);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void An_all_zero_range_gets_scale_1(bool asymmetric)
    {
        var quantizer = ActivationQuantizer.FromRange(new ClipRange(0, 0), asymmetric);

        Assert.AreEqual(1f, quantizer.Scale);
        Assert.AreEqual(0, quantizer.ZeroPoint);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Zero_is_exactly_representable_for_random_ranges(bool asymmetric)
    {
        var random = new Random(42);
        for (int i = 0; i < 10_000; i++)
        {
            double a = (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-6, 6));
            double b = (random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-6, 6));
            var quantizer = ActivationQuantizer.FromRange(new ClipRange(Math.Min(a, b), Math.Max(a, b)), asymmetric);

            Assert.AreEqual(0f, quantizer.Dequantize(quantizer.Quantize(0f)), $"range [{Math.Min(a, b)}, {Math.Max(a, b)}]");
        }
    }

    [TestMethod]
    public void Quantize_rounds_half_to_even_and_saturates()
    {
        var quantizer = new QuantParams(1f, 0, -128, 127);

        Assert.AreEqual(2, quantizer.Quantize(2.5f));
        Assert.AreEqual(4, quantizer.Quantize(3.5f));
        Assert.AreEqual(-2, quantizer.Quantize(-2.5f));
        Assert.AreEqual(127, quantizer.Quantize(1000f));
        Assert.AreEqual(-128, quantizer.Quantize(-1000f));
        Assert.AreEqual(-3f, quantizer.Dequantize(-3));
    }

    [TestMethod]
    public void Quantize_adds_the_zero_point_and_clamps_to_uint8()
    {
        var quantizer = new QuantParams(0.5f, 10, 0, 255);

        Assert.AreEqual(12, quantizer.Quantize(1f));
        Assert.AreEqual(0, quantizer.Quantize(-100f));
        Assert.AreEqual(1f, quantizer.Dequantize(12));
    }

    [TestMethod]
    public void An_inverted_or_infinite_range_is_rejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ActivationQuantizer.FromRange(new ClipRange(2, 1), true));
        Assert.ThrowsExactly<ArgumentException>(() => ActivationQuantizer.FromRange(new ClipRange(0, double.PositiveInfinity), true));
        Assert.ThrowsExactly<ArgumentException>(() => ActivationQuantizer.FromRange(new ClipRange(double.NaN, 1), false));
    }
}
