namespace Calib.Algorithms.Quantization;

/// <summary>
/// A weight tensor quantized to symmetric int8 (zero point 0): element k stands for
/// <c>Values[k] · Scales[channel of k]</c>.
/// </summary>
/// <param name="Scales">One float32 scale per channel along <paramref name="ChannelAxis"/>, or a single one per tensor.</param>
/// <param name="Values">The int8 values in [−127, 127], in the layout of the float weights.</param>
/// <param name="ChannelAxis">The axis of the output channels (also recorded when quantized per tensor).</param>
/// <param name="ChannelWise">Whether there is a scale per channel (AMCT <c>channel_wise</c>) rather than one.</param>
public sealed record QuantizedWeights(float[] Scales, sbyte[] Values, int ChannelAxis, bool ChannelWise);
