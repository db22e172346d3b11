namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Ristretto's quantization procedure (its <c>Quantization</c> class): the trimming mode's candidate
/// networks, each given to <paramref name="score"/> as the formats of its quantized layers (the caller
/// scores them as a <see cref="RistrettoSimulation"/>), and the choice among them.
/// </summary>
/// <param name="layers">The layers Ristretto quantizes.</param>
/// <param name="ranges">Their analysed ranges, by layer name.</param>
/// <param name="score">The accuracy of the network with the given layers quantized (the others in float).</param>
/// <param name="errorMargin">The allowed absolute drop, in percentage points.</param>
/// <param name="progress">Hears each step.</param>
internal sealed class RistrettoSearch(
    IReadOnlyList<RistrettoLayer> layers,
    IReadOnlyDictionary<string, LayerRanges> ranges,
    Func<IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>>, double> score,
    double errorMargin,
    Action<string>? progress)
{
    // Ristretto halves the width from 16 while the accuracy holds: 16, 8, 4, 2, 1.
    private static readonly int[] FixedPointWidths = [16, 8, 4, 2, 1];

    // The width Ristretto keeps for a part when even 16 bits miss the margin.
    private const int FallbackWidth = 32;

    /// <summary>Runs the search for <paramref name="mode"/> given the float accuracy <paramref name="baseline"/>.</summary>
    public RistrettoAnalysis Run(RistrettoPrecision mode, double baseline) => mode switch
    {
        RistrettoPrecision.DynamicFixedPoint => DynamicFixedPoint(baseline),
        RistrettoPrecision.Minifloat => Minifloat(baseline),
        _ => PowerOfTwo(baseline),
    };

    // Conv weights, then FC weights, then activations, each with the rest of the net in float; the
    // smallest width of each that holds the margin; then the three together.
    private RistrettoAnalysis DynamicFixedPoint(double baseline)
    {
        var rows = new List<RistrettoRow>();
        var chosen = new Dictionary<string, int>
        {
            [RistrettoAnalysis.ConvWeights] = Sweep(RistrettoAnalysis.ConvWeights, FixedPointWidths, baseline, rows, bits => FixedPointFormats(bits, null, null)),
            [RistrettoAnalysis.FcWeights] = Sweep(RistrettoAnalysis.FcWeights, FixedPointWidths, baseline, rows, bits => FixedPointFormats(null, bits, null)),
            [RistrettoAnalysis.Activations] = Sweep(RistrettoAnalysis.Activations, FixedPointWidths, baseline, rows, bits => FixedPointFormats(null, null, bits)),
        };
        var formats = FixedPointFormats(chosen[RistrettoAnalysis.ConvWeights], chosen[RistrettoAnalysis.FcWeights], chosen[RistrettoAnalysis.Activations]);
        progress?.Invoke("scoring the dynamic fixed point net");
        var accuracy = Score(formats);
        return new RistrettoAnalysis
        {
            Mode = RistrettoPrecision.DynamicFixedPoint, Baseline = baseline, ErrorMargin = errorMargin,
            Rows = rows, Formats = formats, Chosen = chosen, Accuracy = accuracy,
        };
    }

    // One exponent width for the whole net (see MinifloatExponent); the total width halves from 16
    // while a mantissa bit remains and the accuracy holds, as in Ristretto; then, below the last width
    // that held, the mantissa loses one bit at a time while the accuracy holds.
    private RistrettoAnalysis Minifloat(double baseline)
    {
        var exponent = MinifloatExponent.Choose(layers.Select(l => ranges[l.Name]));
        var exponentBits = exponent.Bits;
        var widths = FixedPointWidths.Where(bits => bits - 1 - exponentBits > 0).ToArray();
        var rows = new List<RistrettoRow>();
        var bits = Sweep(RistrettoAnalysis.MinifloatNet, widths, baseline, rows, b => MinifloatFormats(b, exponentBits), exponentBits);
        if (bits != FallbackWidth)
        {
            // Down to the halving width that missed, or to one mantissa bit.
            var floor = rows.Where(r => r.BitWidth < bits).Select(r => r.BitWidth).DefaultIfEmpty(exponentBits + 1).Max();
            var narrower = Enumerable.Range(floor + 1, Math.Max(0, bits - 1 - floor)).Reverse().ToArray();
            var refined = Sweep(RistrettoAnalysis.MinifloatNet, narrower, baseline, rows, b => MinifloatFormats(b, exponentBits), exponentBits);
            if (refined != FallbackWidth) bits = refined;
        }
        // Ristretto writes the 32-bit fallback unscored; calib scores it so that the report is complete.
        var accuracy = rows.FirstOrDefault(r => r.BitWidth == bits)?.Accuracy ?? Score(MinifloatFormats(bits, exponentBits));
        return new RistrettoAnalysis
        {
            Mode = RistrettoPrecision.Minifloat, Baseline = baseline, ErrorMargin = errorMargin,
            Rows = rows, Formats = MinifloatFormats(bits, exponentBits),
            Chosen = new Dictionary<string, int> { [RistrettoAnalysis.MinifloatNet] = bits },
            ExponentBits = exponentBits, Exponent = exponent, Accuracy = accuracy,
        };
    }

    // Weights as powers of two 2^−8 … 2^−1 (4 bits), activations in 8-bit dynamic fixed point.
    private RistrettoAnalysis PowerOfTwo(double baseline)
    {
        var formats = layers.Select(l => Entry(l, new RistrettoLayerFormat
        {
            Precision = RistrettoPrecision.IntegerPowerOf2Weights,
            PowerOfTwoWeights = Ristretto.PowerOfTwo.Ristretto,
            LayerIn = Ristretto.DynamicFixedPoint.ForIntegerLength(8, ranges[l.Name].InputIntegerLength),
            LayerOut = Ristretto.DynamicFixedPoint.ForIntegerLength(8, ranges[l.Name].OutputIntegerLength),
        })).ToList();
        progress?.Invoke("scoring the power-of-two net");
        var accuracy = Score(formats);
        return new RistrettoAnalysis
        {
            Mode = RistrettoPrecision.IntegerPowerOf2Weights, Baseline = baseline, ErrorMargin = errorMargin,
            Rows = [new RistrettoRow(RistrettoAnalysis.PowerOfTwoNet, Ristretto.PowerOfTwo.Ristretto.BitWidth, accuracy)],
            Formats = formats, Chosen = new Dictionary<string, int>(), Accuracy = accuracy,
        };
    }

    // Scores the widths in order until one misses the margin (that row is still reported), and returns
    // the last width that held it — or, when none did, 32 bits, as Ristretto does.
    private int Sweep(string part, int[] widths, double baseline, List<RistrettoRow> rows, Func<int, IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>>> formats, int? exponentBits = null)
    {
        var chosen = FallbackWidth;
        foreach (var bits in widths)
        {
            progress?.Invoke($"scoring {part} at {bits} bits");
            var accuracy = Score(formats(bits));
            rows.Add(new RistrettoRow(part, bits, accuracy, exponentBits));
            if (!RistrettoAnalysis.IsWithin(accuracy, baseline, errorMargin)) break;
            chosen = bits;
        }
        return chosen;
    }

    private double Score(IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> formats) => score(formats);

    private List<KeyValuePair<string, RistrettoLayerFormat>> FixedPointFormats(int? convBits, int? fcBits, int? activationBits) =>
        layers
            .Select(l => (Layer: l, ParamBits: l.IsConvolutional ? convBits : fcBits))
            .Where(x => x.ParamBits is not null || activationBits is not null)
            .Select(x => Entry(x.Layer, new RistrettoLayerFormat
            {
                Precision = RistrettoPrecision.DynamicFixedPoint,
                Params = x.ParamBits is { } p ? Ristretto.DynamicFixedPoint.ForIntegerLength(p, ranges[x.Layer.Name].ParamsIntegerLength) : null,
                LayerIn = activationBits is { } a ? Ristretto.DynamicFixedPoint.ForIntegerLength(a, ranges[x.Layer.Name].InputIntegerLength) : null,
                LayerOut = activationBits is { } o ? Ristretto.DynamicFixedPoint.ForIntegerLength(o, ranges[x.Layer.Name].OutputIntegerLength) : null,
            }))
            .ToList();

    private List<KeyValuePair<string, RistrettoLayerFormat>> MinifloatFormats(int bits, int exponentBits) =>
        layers.Select(l => Entry(l, new RistrettoLayerFormat
        {
            Precision = RistrettoPrecision.Minifloat,
            Minifloat = new Minifloat(bits - 1 - exponentBits, exponentBits),
        })).ToList();

    private static KeyValuePair<string, RistrettoLayerFormat> Entry(RistrettoLayer layer, RistrettoLayerFormat format) => new(layer.Name, format);
}
