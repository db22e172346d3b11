namespace Calib.Algorithms.Quantization;

/// <summary>Quantizes weights (AMCT <c>arq_quantize</c>) and biases.</summary>
public static class WeightQuantizer
{
    private const int Int8PositiveLevels = 127;

    /// <summary>
    /// AMCT's ARQ: symmetric int8 with scale <c>max |w| / 127</c> (float32 division) per output
    /// channel, or over the whole tensor when <paramref name="channelWise"/> is false; an all-zero
    /// channel gets scale 1. Values are <c>round(w / scale)</c> in float32, half to even, clamped to
    /// [−127, 127] (−128 is never used, keeping the range symmetric).
    /// </summary>
    /// <param name="weights">The float weights in row-major order.</param>
    /// <param name="dims">The weight tensor's shape.</param>
    /// <param name="channelAxis">The output-channel axis: 0 for Conv and Gemm with transB = 1; 1 for
    /// ConvTranspose, Gemm with transB = 0 and MatMul ([K, N] weights). Element k's channel is
    /// <c>(k / stride(axis)) % dims[axis]</c>.</param>
    /// <param name="channelWise">AMCT <c>channel_wise</c>: a scale per channel rather than one.</param>
    /// <exception cref="ArgumentException">The shape does not match, the axis is out of range, or a weight is NaN or infinite.</exception>
    public static QuantizedWeights Arq(ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int channelAxis, bool channelWise)
    {
        var layout = ChannelLayout.Of(dims, channelAxis, weights.Length);
        int GroupOf(int element) => channelWise ? layout.ChannelOf(element) : 0;

        var largest = new float[channelWise ? layout.Channels : 1];
        for (int k = 0; k < weights.Length; k++)
        {
            if (!float.IsFinite(weights[k]))
            {
                throw new ArgumentException($"Weight {k} is {weights[k]}: weights must be finite.", nameof(weights));
            }

            int group = GroupOf(k);
            largest[group] = Math.Max(largest[group], Math.Abs(weights[k]));
        }

        var scales = new float[largest.Length];
        for (int group = 0; group < scales.Length; group++)
        {
            float scale = largest[group] / Int8PositiveLevels;
            // Scale 0 (an all-zero channel, or one too small for float32) would divide by zero.
            scales[group] = scale > 0 ? scale : 1f;
        }

        var values = new sbyte[weights.Length];
        for (int k = 0; k < weights.Length; k++)
        {
            values[k] = (sbyte)Math.Clamp(MathF.Round(weights[k] / scales[GroupOf(k)]), -Int8PositiveLevels, Int8PositiveLevels);
        }

        return new QuantizedWeights(scales, values, channelAxis, channelWise);
    }

    /// <summary>
    /// Weights quantized with given scales (learned in quantization-aware training): q = round(w / s)
    /// in float32, half to even, saturated to [−128, 127] — exactly what ONNX QuantizeLinear computes,
    /// so int8 weights stored this way equal the fine-tuned model's fake quantization.
    /// </summary>
    public static QuantizedWeights WithScales(ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int channelAxis, float[] scales)
    {
        var channels = scales.Length;
        if (channels != 1 && (channelAxis >= dims.Count || dims[channelAxis] != channels))
            throw new ArgumentException($"{channels} scales do not match axis {channelAxis} of a [{string.Join(",", dims)}] weight.", nameof(scales));
        var stride = dims.Skip(channelAxis + 1).Aggregate(1L, (a, b) => a * b);
        var values = new sbyte[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            var scale = scales[channels == 1 ? 0 : (int)(i / stride % channels)];
            values[i] = (sbyte)Math.Clamp(MathF.Round(weights[i] / scale, MidpointRounding.ToEven), -128, 127);
        }
        return new QuantizedWeights(scales, values, channelAxis, channels > 1);
    }

    /// <summary>
    /// The int32 bias of the deploy model: <c>round(b[c] / (activationScale · weightScales[c]))</c>,
    /// the product taken in float32 as the graph stores it and the division in double, half to
    /// even, saturated to the int32 range.
    /// </summary>
    /// <param name="bias">The float bias, one per output channel.</param>
    /// <param name="activationScale">The scale of the layer's input activation.</param>
    /// <param name="weightScales">The weight scales: one per channel, or a single per-tensor one.</param>
    /// <exception cref="ArgumentException">The lengths do not match, a scale is not positive and
    /// finite or their product is not representable in float32, or a bias is NaN or infinite.</exception>
    public static int[] QuantizeBias(ReadOnlySpan<float> bias, float activationScale, ReadOnlySpan<float> weightScales)
    {
        if (weightScales.Length != bias.Length && weightScales.Length != 1)
        {
            throw new ArgumentException($"{weightScales.Length} weight scales for {bias.Length} biases: need one per channel or one in all.", nameof(weightScales));
        }

        var quantized = new int[bias.Length];
        for (int c = 0; c < bias.Length; c++)
        {
            float weightScale = weightScales[weightScales.Length == 1 ? 0 : c];
            float scale = activationScale * weightScale;
            if (!(activationScale > 0 && weightScale > 0 && scale > 0 && float.IsFinite(scale)))
            {
                throw new ArgumentException($"Bias {c}: the scale {activationScale} × {weightScale} must be positive and finite in float32.", nameof(weightScales));
            }

            if (!float.IsFinite(bias[c]))
            {
                throw new ArgumentException($"Bias {c} is {bias[c]}: biases must be finite.", nameof(bias));
            }

            quantized[c] = (int)Math.Clamp(Math.Round((double)bias[c] / scale), int.MinValue, int.MaxValue);
        }

        return quantized;
    }
}
