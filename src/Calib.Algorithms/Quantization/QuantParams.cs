namespace Calib.Algorithms.Quantization;

/// <summary>
/// A uniform 8-bit quantizer in ONNX QuantizeLinear terms: <c>q = clamp(round(x / Scale) + ZeroPoint, QMin, QMax)</c>
/// and <c>x ≈ (q − ZeroPoint) · Scale</c>, rounding half to even.
/// </summary>
/// <param name="Scale">The float32 step between levels; never 0.</param>
/// <param name="ZeroPoint">The level that represents 0 exactly (ONNX zero_point), within [QMin, QMax].</param>
/// <param name="QMin">The lowest level: 0 for uint8, −128 for int8.</param>
/// <param name="QMax">The highest level: 255 for uint8, 127 for int8.</param>
public readonly record struct QuantParams(float Scale, int ZeroPoint, int QMin, int QMax)
{
    /// <summary>AMCT's <c>offset_d</c>, −ZeroPoint: AMCT writes <c>q = round(x / scale) − offset</c>.</summary>
    public int Offset => -ZeroPoint;

    /// <summary>Quantizes as ONNX QuantizeLinear does: float32 division, round half to even, add the zero point, saturate.</summary>
    public int Quantize(float x) => (int)Math.Clamp(MathF.Round(x / Scale) + ZeroPoint, QMin, QMax);

    /// <summary>Dequantizes as ONNX DequantizeLinear does: <c>(q − ZeroPoint) · Scale</c> in float32.</summary>
    public float Dequantize(int q) => (q - ZeroPoint) * Scale;

    /// <summary>The value <paramref name="x"/> becomes after quantization and dequantization.</summary>
    public float FakeQuantize(float x) => Dequantize(Quantize(x));
}
