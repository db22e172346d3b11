using Calib.Algorithms.Evaluation;
using ScottPlot;

namespace Calib.Algorithms.Reporting;

/// <summary>
/// The per-layer SQNR bar chart (PNG): for each quantized layer in graph order, the SQNR of its
/// output with only that layer quantized (the error it adds) beside the SQNR with every layer
/// quantized (the error accumulated up to it). Lower bars are worse.
/// </summary>
public static class LayerSqnrChart
{
    private const int Width = 1000;
    private const int Height = 600;
    private static readonly Color Added = Colors.SteelBlue;
    private static readonly Color Cumulative = Colors.Orange;

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Render(IReadOnlyList<LayerReport> layers)
    {
        var plot = new Plot();
        var added = layers.Select(l => l.Error?.SqnrDb).ToList();
        var cumulative = layers.Select(l => l.CumulativeError?.SqnrDb).ToList();
        // An error-free output has infinite SQNR: drawn as a bar a little above the highest finite one.
        var finite = added.Concat(cumulative).OfType<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        var ceiling = finite.Max() + Math.Max(5, 0.1 * Math.Abs(finite.Max()));
        var bars = new List<Bar>();
        for (var i = 0; i < layers.Count; i++)
        {
            if (added[i] is { } a) bars.Add(new Bar { Position = i - 0.2, Value = Math.Min(a, ceiling), Size = 0.4, FillColor = Added, LineWidth = 0 });
            if (cumulative[i] is { } c) bars.Add(new Bar { Position = i + 0.2, Value = Math.Min(c, ceiling), Size = 0.4, FillColor = Cumulative, LineWidth = 0 });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray(), layers.Select(l => l.Name).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        // Room below the axis for the slanted layer names (about 4 px of height per character at 30°).
        plot.Axes.Bottom.MinimumSize = 30 + 4 * layers.Select(l => l.Name.Length).DefaultIfEmpty(0).Max();
        plot.Axes.Margins(bottom: 0);
        // Every layer keeps its slot, including one without bars (its output is not in the float model).
        plot.Axes.SetLimitsX(-0.6, layers.Count - 0.4);
        plot.Title("SQNR of each quantized layer's output");
        plot.YLabel("SQNR (dB), higher is better");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "only this layer quantized", FillColor = Added });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "every layer quantized", FillColor = Cumulative });
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
