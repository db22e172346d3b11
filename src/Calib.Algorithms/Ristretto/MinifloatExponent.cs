namespace Calib.Algorithms.Ristretto;

/// <summary>
/// The exponent width of the minifloat net and why: the widest of three demands, each over every
/// quantized layer.
/// <list type="bullet">
/// <item><b>Saturation</b> (Ristretto's rule): enough exponent bits that the largest layer input or
/// output does not saturate, ceil(log2(log2(max) − 1) + 1) (<see cref="Minifloat.ExponentBitsFor"/>).</item>
/// <item><b>Underflow</b>: Ristretto's format has no denormals, so every magnitude below 2^−bias becomes
/// zero. The exponent must reach down to each group's (layer input, output, weights) smallest significant
/// magnitude: its smallest nonzero value, but no lower than 2^−8 of its largest — what an 8-bit integer
/// format of the same tensor resolves, so anything smaller is lost in calib's int8 models too.</item>
/// <item><b>Ristretto's floor</b>: its tool starts from 4 exponent bits and only widens ("experiments show
/// LeNet needs 4 bits, but the saturation border is at 3 bits").</item>
/// </list>
/// </summary>
/// <param name="Bits">The chosen exponent width.</param>
/// <param name="Saturation">The saturation demand (0 when no value exceeds 2).</param>
/// <param name="Underflow">The underflow demand.</param>
public sealed record MinifloatExponent(int Bits, int Saturation, int Underflow)
{
    /// <summary>Ristretto's starting exponent width.</summary>
    public const int RistrettoMinimum = 4;

    /// <summary>float32's exponent width: the inputs have no wider range to keep.</summary>
    public const int Maximum = 8;

    /// <summary>How far below a group's largest magnitude its values still count: 2^−8, an 8-bit format's resolution.</summary>
    public const int SignificantOctaves = 8;

    /// <summary>The exponent width for layers with <paramref name="ranges"/>.</summary>
    public static MinifloatExponent Choose(IEnumerable<LayerRanges> ranges)
    {
        var list = ranges.ToList();
        var saturation = list.SelectMany(r => new[] { r.MaxIn, r.MaxOut }).Select(m => Minifloat.ExponentBitsFor(m) ?? 0).DefaultIfEmpty(0).Max();
        var underflow = list.SelectMany(r => new[] { (r.MaxIn, r.MinIn), (r.MaxOut, r.MinOut), (r.MaxParams, r.MinParams) })
            .Select(g => UnderflowBits(g.Item1, g.Item2)).DefaultIfEmpty(1).Max();
        var bits = Math.Min(Maximum, Math.Max(RistrettoMinimum, Math.Max(saturation, underflow)));
        return new MinifloatExponent(bits, saturation, underflow);
    }

    /// <summary>
    /// The fewest exponent bits whose smallest normal number, 2^−(2^(e−1)−1), is at most the significant
    /// floor of a group with largest magnitude <paramref name="max"/> and smallest nonzero <paramref name="minNonZero"/>.
    /// </summary>
    public static int UnderflowBits(double max, double minNonZero)
    {
        if (max <= 0) return 1;
        var floor = Math.Max(minNonZero, max * Math.Pow(2, -SignificantOctaves));
        // A value keeps its exponent E = floor(log2 |x|) while E ≥ −bias.
        var neededBias = -(int)Math.Floor(Math.Log2(floor));
        var bits = 1;
        while (bits < Maximum && (1 << (bits - 1)) - 1 < neededBias) bits++;
        return bits;
    }

    /// <summary>The line the analysis prints.</summary>
    public override string ToString() =>
        $"Exponent bits: {Bits} (saturation needs {Saturation}, underflow {Underflow}, Ristretto's minimum {RistrettoMinimum})";
}
