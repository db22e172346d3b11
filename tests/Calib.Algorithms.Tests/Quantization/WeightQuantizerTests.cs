using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Tests.Quantization;

[TestClass]
public sealed class WeightQuantizerTests
{
    [TestMethod]
    public void Axis_0_scales_are_the_max_magnitude_of_each_row_over_127()
    {
        // Gemm with transB = 1: [N = 2, K = 3].
        float[] weights = [1f, -2f, 0.5f, 0.1f, 0.2f, -0.4f];

        var quantized = WeightQuantizer.Arq(weights, [2, 3], channelAxis: 0, channelWise: true);

        CollectionAssert.AreEqual(new[] { 2f / 127, 0.4f / 127 }, quantized.Scales);
        CollectionAssert.AreEqual(new sbyte[] { 64, -127, 32, 32, 64, -127 }, quantized.Values);
        Assert.IsTrue(quantized.ChannelWise);
        Assert.AreEqual(0, quantized.ChannelAxis);
    }

    [TestMethod]
    public void Axis_1_scales_are_the_max_magnitude_of_each_column_over_127()
    {
        // MatMul weights: [K = 3, N = 2].
        float[] weights = [1f, 0.1f, -2f, 0.2f, 0.5f, -0.4f];

        var quantized = WeightQuantizer.Arq(weights, [3, 2], channelAxis: 1, channelWise: true);

        CollectionAssert.AreEqual(new[] { 2f / 127, 0.4f / 127 }, quantized.Scales);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    public void Four_dimensional_kernels_use_the_channel_index_formula(int axis)
    {
        long[] dims = [3, 4, 2, 2];
        float[] weights = SampleData.Uniform(11, 48, -3, 3);

        var quantized = WeightQuantizer.Arq(weights, dims, axis, channelWise: true);

        long stride = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var expected = new float[dims[axis]];
        for (int k = 0; k < weights.Length; k++)
        {
            long channel = k / stride % dims[axis];
            expected[channel] = Math.Max(expected[channel], Math.Abs(weights[k]));
        }

        CollectionAssert.AreEqual(expected.Select(m => m / 127).ToArray(), quantized.Scales);
        AssertRoundTripWithinHalfAStep(weights, quantized, k => (int)(k / stride % dims[axis]));
    }

    [TestMethod]
    public void Per_tensor_quantization_uses_one_scale()
    {
        float[] weights = SampleData.Uniform(12, 60, -0.3, 0.7);

        var quantized = WeightQuantizer.Arq(weights, [5, 12], channelAxis: 0, channelWise: false);

        Assert.AreEqual(1, quantized.Scales.Length);
        Assert.AreEqual(weights.Max(Math.Abs) / 127, quantized.Scales[0]);
        Assert.IsFalse(quantized.ChannelWise);
        AssertRoundTripWithinHalfAStep(weights, quantized, _ => 0);
    }

    [TestMethod]
    public void An_all_zero_channel_gets_scale_1()
    {
        var quantized = WeightQuantizer.Arq([0f, 0f, 1f, -1f], [2, 2], channelAxis: 0, channelWise: true);

        Assert.AreEqual(1f, quantized.Scales[0]);
        CollectionAssert.AreEqual(new sbyte[] { 0, 0, 127, -127 }, quantized.Values);
    }

    [TestMethod]
    public void Mismatched_shapes_axes_and_non_finite_weights_are_rejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => WeightQuantizer.Arq([1f, 2f, 3f], [2, 2], 0, true));
        Assert.ThrowsExactly<ArgumentException>(() => WeightQuantizer.Arq([1f, 2f, 3f, 4f], [2, 2], 2, true));
        Assert.ThrowsExactly<ArgumentException>(() => WeightQuantizer.Arq([1f, float.NaN, 3f, 4f], [2, 2], 0, true));
    }

    [TestMethod]
    public void Bias_is_divided_by_activation_scale_times_weight_scale_and_rounded_half_to_even()
    {
        // 0.5 × 0.25 = 0.125: 1 → 8, 0.3125 → 2.5 → 2, 0.4375 → 3.5 → 4, −0.3125 → −2.
        int[] quantized = WeightQuantizer.QuantizeBias([1f, 0.3125f, 0.4375f, -0.3125f], 0.5f, [0.25f, 0.25f, 0.25f, 0.25f]);

        CollectionAssert.AreEqual(new[] { 8, 2, 4, -2 }, quantized);
    }

    [TestMethod]
    public void Bias_scales_are_per_channel_products_in_float32()
    {
        float activationScale = 0.0123f;
        float[] weightScales = [0.0031f, 0.047f];
        float[] bias = [0.77f, -1.9f];

        int[] quantized = WeightQuantizer.QuantizeBias(bias, activationScale, weightScales);

        for (int c = 0; c < bias.Length; c++)
        {
            float scale = activationScale * weightScales[c];
            Assert.AreEqual((int)Math.Round(bias[c] / (double)scale), quantized[c]);
        }
    }

    [TestMethod]
    public void Bias_with_one_weight_scale_broadcasts_and_saturates_to_int32()
    {
        int[] quantized = WeightQuantizer.QuantizeBias([1e30f, -1e30f, 2f], 1f, [1f]);

        CollectionAssert.AreEqual(new[] { int.MaxValue, int.MinValue, 2 }, quantized);
    }

    [TestMethod]
    public void Bias_with_mismatched_or_zero_scales_is_rejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => WeightQuantizer.QuantizeBias([1f, 2f, 3f], 1f, [1f, 1f]));
        Assert.ThrowsExactly<ArgumentException>(() => WeightQuantizer.QuantizeBias([1f], 0f, [1f]));
    }

    private static void AssertRoundTripWithinHalfAStep(float[] weights, QuantizedWeights quantized, Func<int, int> scaleOf)
    {
        for (int k = 0; k < weights.Length; k++)
        {
            float scale = quantized.Scales[scaleOf(k)];
            Assert.AreEqual(weights[k], quantized.Values[k] * scale, scale / 2 * 1.0001, $"element {k}");
        }
    }
}
