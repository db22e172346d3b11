namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Ristretto's integer-power-of-two weights (<c>Trim2IntegerPowerOf2</c>): each weight becomes
/// ±2^k with k an integer in [<see cref="MinExponent"/>, <see cref="MaxExponent"/>], so a multiplication
/// becomes a shift. The exponent is log2|w| rounded (nearest: ties away from zero, i.e. at 2^(k+½))
/// and then clamped. The format has no zero: Ristretto takes log2(0) = −∞, which clamps to the
/// smallest exponent, so a zero weight becomes +2^MinExponent. Sign plus ⌈log2(range)⌉ exponent bits
/// make its width: exponents −8…−1 are Ristretto's 4-bit weights.
/// </summary>
/// <param name="MinExponent">exp_min, the smallest exponent (Ristretto's default −8).</param>
/// <param name="MaxExponent">exp_max, the largest exponent (Ristretto's default −1).</param>
public sealed record PowerOfTwo(int MinExponent, int MaxExponent)
{
    /// <summary>Ristretto's fixed choice for its power-of-two mode: exponents −8 … −1 (4-bit weights).</summary>
    public static PowerOfTwo Ristretto { get; } = new(-8, -1);

    /// <summary>The width: one sign bit and enough bits for the exponents.</summary>
    public int BitWidth => 1 + (int)Math.Ceiling(Math.Log2(MaxExponent - MinExponent + 1));

    /// <summary>Rounds one weight to a signed power of two (stochastic rounding draws from <paramref name="random"/>).</summary>
    public float Quantize(float value, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        var exponent = Math.Log2(Math.Abs((double)value));
        var rounded = double.IsNegativeInfinity(exponent) ? exponent : Rounding.Apply(exponent, rounding, random);
        var clamped = Math.Clamp(rounded, MinExponent, MaxExponent);
        var sign = value >= 0 ? 1.0 : -1.0;
        return (float)(sign * Math.Pow(2, clamped));
    }

    /// <summary>Quantizes every value in place.</summary>
    public void QuantizeInPlace(Span<float> values, RistrettoRounding rounding = RistrettoRounding.Nearest, Random? random = null)
    {
        for (var i = 0; i < values.Length; i++) values[i] = Quantize(values[i], rounding, random);
    }

    /// <inheritdoc/>
    public override string ToString() => $"power-of-two weights, exponents {MinExponent}…{MaxExponent}";
}
