namespace Calib.Graph.Quantization;

/// <summary>How one activation tensor is quantized: uint8 with a zero point, or int8 symmetric.</summary>
/// <param name="Scale">The float32 scale (real value of one integer step).</param>
/// <param name="ZeroPoint">The integer that stands for real zero (AMCT's offset is its negative).</param>
/// <param name="Signed">True for int8, false for uint8.</param>
public sealed record ActivationQdq(float Scale, int ZeroPoint, bool Signed);

/// <summary>Symmetric int8 weights with one scale per output channel (or one for the tensor).</summary>
/// <param name="Scales">Scales, one per channel along <paramref name="Axis"/>, or a single one.</param>
/// <param name="Values">The int8 weights, in the float weight's layout.</param>
/// <param name="Axis">The channel axis of the weight tensor.</param>
public sealed record WeightQdq(float[] Scales, sbyte[] Values, int Axis)
{
    /// <summary>True when there is one scale per channel.</summary>
    public bool PerChannel => Scales.Length > 1;
}
