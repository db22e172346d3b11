namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Ristretto's minifloat (<c>Trim2MiniFloat</c>): sign, <see cref="ExponentBits"/> exponent bits with bias
/// 2^(e−1) − 1 and <see cref="MantissaBits"/> mantissa bits with an implicit leading one. Unlike IEEE
/// floats every exponent field value is a normal number — no infinities or NaNs are reserved, so the
/// largest exponent is 2^e − 1 − bias — and there are no denormals: a value whose exponent falls below
/// −bias becomes zero. Values whose exponent exceeds the largest saturate to ±(2 − 2^−m)·2^(2^e−1−bias).
/// The mantissa is rounded from float32's 23 bits; a mantissa that rounds up to 2^m carries into the
/// exponent (giving 2^(E+1)), and Ristretto does not saturate that carry, so neither does this.
/// </summary>
/// <param name="MantissaBits">m, the stored mantissa bits (0–23).</param>
/// <param name="ExponentBits">e, the exponent bits (1–8).</param>
public sealed record Minifloat(int MantissaBits, int ExponentBits)
{
    /// <summary>The exponent bias, 2^(e−1) − 1.</summary>
    public int Bias => (1 << (ExponentBits - 1)) - 1;

    /// <summary>The smallest unbiased exponent (field value 0), −bias.</summary>
    public int MinExponent => -Bias;

    /// <summary>The largest unbiased exponent (field value 2^e − 1), 2^e − 1 − bias.</summary>
    public int MaxExponent => (1 << ExponentBits) - 1 - Bias;

    /// <summary>The largest magnitude, (2 − 2^−m)·2^MaxExponent, where larger values saturate.</summary>
    public double Max => (2 - Math.Pow(2, -MantissaBits)) * Math.Pow(2, MaxExponent);

    /// <summary>The total width, 1 + e + m.</summary>
    public int BitWidth => 1 + ExponentBits + MantissaBits;

    /// <summary>
    /// The exponent width Ristretto chooses so that a group with largest magnitude <paramref name="maxAbs"/>
    /// does not saturate: ceil(log2(log2(max) − 1) + 1); null when that is undefined (max ≤ 2), where the
    /// group puts no demand on the exponent.
    /// </summary>
    public static int? ExponentBitsFor(double maxAbs)
    {
        var inner = Math.Log2(maxAbs) - 1;
        return inner > 0 ? (int)Math.Ceiling(Math.Log2(inner) + 1) : null;
    }

    /// <summary>Rounds one value into the format (stochastic rounding draws from <paramref name="random"/>).</summary>
    public float Quantize(float value, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        var sign = bits < 0 ? -1.0 : 1.0;
        var storedExponent = (bits >> 23) & 0xFF;
        // Zero and float32 denormals have exponent field 0: Ristretto maps them to zero.
        if (storedExponent == 0) return 0f;
        var exponent = storedExponent - 127;
        if (exponent < MinExponent) return 0f;
        double mantissa;
        if (exponent > MaxExponent)
        {
            exponent = MaxExponent;
            mantissa = (1 << MantissaBits) - 1;
        }
        else
        {
            mantissa = Rounding.Apply((bits & 0x7FFFFF) / Math.Pow(2, 23 - MantissaBits), rounding, random);
        }
        return (float)(sign * ((mantissa + Math.Pow(2, MantissaBits)) / Math.Pow(2, MantissaBits)) * Math.Pow(2, exponent));
    }

    /// <summary>Quantizes every value in place.</summary>
    public void QuantizeInPlace(Span<float> values, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        for (var i = 0; i < values.Length; i++) values[i] = Quantize(values[i], rounding, random);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{BitWidth}-bit minifloat ({ExponentBits} exponent, {MantissaBits} mantissa bits)";
}
