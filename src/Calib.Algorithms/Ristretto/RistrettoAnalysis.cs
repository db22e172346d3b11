using System.Globalization;
using System.Text;

namespace Calib.Algorithms.Ristretto;

/// <summary>One scored configuration of the search: a network part at a bit width.</summary>
/// <param name="Part">What was quantized: "CONV weights", "FC weights", "layer activations", "minifloat net" or "power-of-two net".</param>
/// <param name="BitWidth">The bit width tried.</param>
/// <param name="Accuracy">Its top-1 accuracy, in [0, 1].</param>
/// <param name="ExponentBits">The minifloat exponent bits (minifloat rows only); the rest of the width, less the sign, is mantissa.</param>
public sealed record RistrettoRow(string Part, int BitWidth, double Accuracy, int? ExponentBits = null)
{
    /// <summary>The minifloat mantissa bits (minifloat rows only).</summary>
    public int? MantissaBits => BitWidth - 1 - ExponentBits;
}

/// <summary>The outcome of Ristretto's search: every scored row, the chosen network and its formats.</summary>
public sealed record RistrettoAnalysis
{
    /// <summary>The row part of the CONV weights search.</summary>
    public const string ConvWeights = "CONV weights";

    /// <summary>The row part of the FC weights search.</summary>
    public const string FcWeights = "FC weights";

    /// <summary>The row part of the activations search.</summary>
    public const string Activations = "layer activations";

    /// <summary>The row part of the minifloat search.</summary>
    public const string MinifloatNet = "minifloat net";

    /// <summary>The row part of the power-of-two score.</summary>
    public const string PowerOfTwoNet = "power-of-two net";

    /// <summary>The trimming mode.</summary>
    public required RistrettoPrecision Mode { get; init; }

    /// <summary>The float network's accuracy.</summary>
    public required double Baseline { get; init; }

    /// <summary>The allowed absolute drop, in percentage points.</summary>
    public required double ErrorMargin { get; init; }

    /// <summary>Every scored row, in the order scored.</summary>
    public required IReadOnlyList<RistrettoRow> Rows { get; init; }

    /// <summary>The chosen format of each quantized layer, by layer name, in layer order.</summary>
    public required IReadOnlyList<KeyValuePair<string, RistrettoLayerFormat>> Formats { get; init; }

    /// <summary>The chosen bit widths by part (dynamic fixed point: CONV weights, FC weights, activations; minifloat: the net).</summary>
    public required IReadOnlyDictionary<string, int> Chosen { get; init; }

    /// <summary>The minifloat exponent bits (minifloat mode only).</summary>
    public int? ExponentBits { get; init; }

    /// <summary>How the minifloat exponent width was chosen (minifloat mode only).</summary>
    public MinifloatExponent? Exponent { get; init; }

    /// <summary>The chosen network's accuracy.</summary>
    public required double Accuracy { get; init; }

    /// <summary>True when the chosen network is within the margin: accuracy + margin/100 ≥ baseline, Ristretto's test.</summary>
    public bool WithinMargin => IsWithin(Accuracy, Baseline, ErrorMargin);

    /// <summary>Ristretto's acceptance test of a score.</summary>
    public static bool IsWithin(double accuracy, double baseline, double errorMargin) => accuracy + errorMargin / 100 >= baseline;

    /// <summary>The summary Ristretto logs at the end of its analysis, line by line, in its order and wording.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        void RowsOf(string part)
        {
            foreach (var row in Rows.Where(r => r.Part == part))
                Line(row.ExponentBits is { } e
                    ? $"{row.BitWidth}bit: \t{Number(row.Accuracy)} \t({e} exponent, {row.MantissaBits} mantissa bits)"
                    : $"{row.BitWidth}bit: \t{Number(row.Accuracy)}");
        }
        Line("------------------------------");
        Line("Network accuracy analysis for");
        if (Mode == RistrettoPrecision.IntegerPowerOf2Weights)
        {
            Line("Integer-power-of-two weights");
            Line("in Convolutional (CONV) and");
            Line("fully connected (FC) layers.");
        }
        else
        {
            Line("Convolutional (CONV) and fully");
            Line("connected (FC) layers.");
        }
        Line($"Baseline 32bit float: {Number(Baseline)}");
        switch (Mode)
        {
            case RistrettoPrecision.DynamicFixedPoint:
                Line("Dynamic fixed point CONV");
                Line("weights: ");
                RowsOf(ConvWeights);
                Line("Dynamic fixed point FC");
                Line("weights: ");
                RowsOf(FcWeights);
                Line("Dynamic fixed point layer");
                Line("activations:");
                RowsOf(Activations);
                Line("Dynamic fixed point net:");
                Line($"{Chosen[ConvWeights]}bit CONV weights,");
                Line($"{Chosen[FcWeights]}bit FC weights,");
                Line($"{Chosen[Activations]}bit layer activations:");
                Line($"Accuracy: {Number(Accuracy)}");
                break;
            case RistrettoPrecision.Minifloat:
                if (Exponent is not null) Line(Exponent.ToString());
                Line("Minifloat net:");
                RowsOf(MinifloatNet);
                Line($"Chosen: {Chosen[MinifloatNet]}bit ({ExponentBits} exponent bits, {Chosen[MinifloatNet] - 1 - ExponentBits} mantissa bits)");
                Line($"Accuracy: {Number(Accuracy)}");
                break;
            default:
                Line("Quantized net:");
                RowsOf(PowerOfTwoNet);
                break;
        }
        if (!WithinMargin) Line("Please fine-tune.");
        return text.ToString();
    }

    // Ristretto logs floats with C++ stream defaults: up to 6 significant digits.
    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
