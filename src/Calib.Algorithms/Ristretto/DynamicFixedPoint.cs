namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Ristretto's dynamic fixed point: a B-bit two's-complement integer (one sign bit) scaled by
/// 2^−fl, where the fractional length fl is chosen per group (layer input, output, parameters) and
/// may be negative (a grid coarser than 1). Values saturate to [−2^(B−1), 2^(B−1)−1]·2^−fl and
/// are then rounded onto the grid (Ristretto's <c>Trim2FixedPoint</c>).
/// </summary>
/// <param name="BitWidth">B, the total number of bits including the sign bit (1–32).</param>
/// <param name="FractionalLength">fl, the number of bits after the binary point (may be negative).</param>
public sealed record DynamicFixedPoint(int BitWidth, int FractionalLength)
{
    /// <summary>The largest representable value, (2^(B−1) − 1)·2^−fl.</summary>
    public double Max => (Math.Pow(2, BitWidth - 1) - 1) * Step;

    /// <summary>The smallest representable value, −2^(B−1)·2^−fl.</summary>
    public double Min => -Math.Pow(2, BitWidth - 1) * Step;

    /// <summary>The grid step, 2^−fl.</summary>
    public double Step => Math.Pow(2, -FractionalLength);

    /// <summary>
    /// The integer length of a group whose largest magnitude is <paramref name="maxAbs"/>:
    /// ceil(log2(max|x|)) + 1 — enough integer bits that the largest value does not saturate, plus the
    /// sign bit (Ristretto's <c>il_params</c>). Ristretto's released code leaves the extra bit out for
    /// layer inputs and outputs, accepting saturation of the very largest activations (its LeNet log
    /// shows 16-bit activations a tenth of a point below float); calib uses the same rule for every
    /// group, so that 16-bit activations equal float.
    /// </summary>
    /// <param name="maxAbs">The largest absolute value seen in the group (positive).</param>
    public static int IntegerLength(double maxAbs) =>
        // An all-zero group has no magnitude to cover: one bit (the sign) is enough.
        maxAbs > 0 ? (int)Math.Ceiling(Math.Log2(maxAbs)) + 1 : 1;

    /// <summary>The format of width <paramref name="bitWidth"/> for a group with <paramref name="integerLength"/> integer bits: fl = B − il.</summary>
    public static DynamicFixedPoint ForIntegerLength(int bitWidth, int integerLength) => new(bitWidth, bitWidth - integerLength);

    /// <summary>Saturates and rounds one value (stochastic rounding draws from <paramref name="random"/>).</summary>
    public float Quantize(float value, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        var saturated = Math.Clamp((double)value, Min, Max);
        return (float)(Rounding.Apply(saturated / Step, rounding, random) * Step);
    }

    /// <summary>Quantizes every value in place.</summary>
    public void QuantizeInPlace(Span<float> values, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        for (var i = 0; i < values.Length; i++) values[i] = Quantize(values[i], rounding, random);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{BitWidth}-bit dynamic fixed point, fl {FractionalLength}";
}
