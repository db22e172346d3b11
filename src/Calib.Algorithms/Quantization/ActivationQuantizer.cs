namespace Calib.Algorithms.Quantization;

/// <summary>Turns an activation clip range into quantization parameters.</summary>
public static class ActivationQuantizer
{
    private const int Uint8Levels = 255;
    private const int Int8PositiveLevels = 127;

    /// <summary>
    /// The quantizer for <paramref name="range"/>, first extended to contain 0.
    /// Asymmetric (uint8, AMCT <c>activation_offset: true</c>): q in [0, 255],
    /// <c>scale = (max − min) / 255</c> rounded to float32, <c>zero_point = round(−min / scale)</c>
    /// with that float32 scale, half to even, clamped to [0, 255]; AMCT's offset is −zero_point.
    /// Symmetric (int8): <c>scale = max(|min|, |max|) / 127</c> as float32, zero_point 0, q in [−128, 127].
    /// A range too narrow for a float32 scale (such as [0, 0]) gets scale 1: never scale 0.
    /// </summary>
    /// <exception cref="ArgumentException">The range is not finite, its Min is above its Max, or its scale overflows float32.</exception>
    public static QuantParams FromRange(ClipRange range, bool asymmetric)
    {
        if (!(range.Min <= range.Max) || !double.IsFinite(range.Max - range.Min))
        {
            throw new ArgumentException($"Cannot quantize the range [{range.Min}, {range.Max}]: it must be finite with min <= max.", nameof(range));
        }

        var withZero = range.IncludingZero();
        if (asymmetric)
        {
            float scale = ValidScale((withZero.Max - withZero.Min) / Uint8Levels, range);
            int zeroPoint = (int)Math.Clamp(Math.Round(-withZero.Min / scale), 0, Uint8Levels);
            return new QuantParams(scale, zeroPoint, 0, Uint8Levels);
        }

        float symmetricScale = ValidScale(Math.Max(-withZero.Min, withZero.Max) / Int8PositiveLevels, range);
        return new QuantParams(symmetricScale, 0, -Int8PositiveLevels - 1, Int8PositiveLevels);
    }

    private static float ValidScale(double exactScale, ClipRange range)
    {
        float scale = (float)exactScale;
        if (float.IsInfinity(scale))
        {
            throw new ArgumentException($"Cannot quantize the range [{range.Min}, {range.Max}]: its scale overflows float32.", nameof(range));
        }

        return scale > 0 ? scale : 1f;
    }
}
