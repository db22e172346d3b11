using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;
using ScottPlot;

namespace Calib.Algorithms.Reporting;

/// <summary>
/// A layer's input activation histogram (PNG) with its clip range: counts on a log scale (each bar
/// starts at the bottom, so a single value still shows), and the clip bounds as vertical lines.
/// </summary>
public static class ActivationHistogramChart
{
    private const int Width = 900;
    private const int Height = 500;
    private const int Bins = 128;
    private const double Floor = -0.5;

    /// <summary>The chart as PNG bytes.</summary>
    /// <param name="layer">The layer name, for the title.</param>
    /// <param name="histogram">The values that reached the layer's input quantizer.</param>
    /// <param name="clip">The clip range, when known.</param>
    /// <param name="source">Where the clip range comes from.</param>
    public static byte[] Render(string layer, StreamingHistogram histogram, ClipRange? clip, ClipSource? source)
    {
        var lo = Math.Min(histogram.Min, clip?.Min ?? histogram.Min);
        var hi = Math.Max(histogram.Max, clip?.Max ?? histogram.Max);
        if (hi <= lo) hi = lo + 1;
        var rebinned = histogram.Rebin(lo, hi, Bins);
        var plot = new Plot();
        var bars = Enumerable.Range(0, Bins)
            .Where(b => rebinned.Counts[b] > 0)
            .Select(b => new Bar
            {
                Position = rebinned.Center(b),
                Value = Math.Log10(rebinned.Counts[b]),
                ValueBase = Floor,
                Size = rebinned.BinWidth,
                FillColor = Colors.SteelBlue,
                LineWidth = 0,
            })
            .ToList();
        plot.Add.Bars(bars);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (clip is { } range)
        {
            foreach (var bound in new[] { range.Min, range.Max })
            {
                var line = plot.Add.VerticalLine(bound, 2, Colors.Crimson, LinePattern.Dashed);
                line.LegendText = bound == range.Min ? $"clip range ({source?.ToString().ToLowerInvariant()})" : "";
            }
            plot.ShowLegend(Alignment.UpperRight);
        }
        plot.Axes.SetLimitsY(Floor, Math.Log10(Math.Max(rebinned.Counts.Max(), 1)) + 0.5);
        plot.Title($"{layer}: input values ({histogram.Count:N0} from the layer samples)");
        plot.XLabel("value");
        plot.YLabel("count (log scale)");
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
