using System.Diagnostics;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Workflows;

/// <summary>When a run corrects its biases (see <see cref="Calibration.BiasCorrection"/>).</summary>
public enum BiasCorrectionMode
{
    /// <summary>Tried on the ranges the range choice picked, and kept when it raises the worst output SQNR on the choice's images by <see cref="BiasCorrectionStep.MarginDb"/> (the default; not tried when an algorithm is forced).</summary>
    Auto,

    /// <summary>Always (<c>--bias-correction</c>), whatever the algorithm.</summary>
    On,

    /// <summary>Never (<c>--no-bias-correction</c>).</summary>
    Off,
}

/// <summary>What bias correction did on a run.</summary>
/// <param name="Layers">Layers whose bias was measured and corrected.</param>
/// <param name="Kept">Whether the corrected biases were written.</param>
/// <param name="SqnrWithoutDb">The fake-quant model's worst output SQNR (dB) without correction, on <paramref name="Samples"/> calibration images.</param>
/// <param name="SqnrWithDb">The same with correction.</param>
/// <param name="Samples">Calibration images the correction was measured and compared on.</param>
/// <param name="Elapsed">What it cost.</param>
public sealed record BiasCorrectionResult(int Layers, bool Kept, double SqnrWithoutDb, double SqnrWithDb, int Samples, TimeSpan Elapsed);

/// <summary>Measures bias correction on calibration images, compares the model output with and without it, and keeps it as the mode says.</summary>
public static class BiasCorrectionStep
{
    /// <summary>
    /// The SQNR gain (dB) correction needs to be kept by default: twice the range choice's margin, as the corrections are
    /// measured on the very images that judge them, which flatters them (on the sample a 0.8 dB gain there flipped one
    /// held-out image).
    /// </summary>
    public const double MarginDb = 2 * RangeChoice.MarginDb;

    /// <summary>
    /// <paramref name="calibrated"/> with corrected biases when <paramref name="force"/> is set or they raise the worst
    /// output SQNR by <see cref="MarginDb"/> over <paramref name="sqnrWithoutDb"/>; the trial is recorded either way.
    /// </summary>
    /// <param name="calibrated">The calibration, ranges chosen.</param>
    /// <param name="data">Calibration images: the correction is measured and judged on them.</param>
    /// <param name="sqnrWithoutDb">Its worst output SQNR on <paramref name="data"/> (already measured by the range choice).</param>
    /// <param name="force">Keep the correction whatever it gives (<c>--bias-correction</c>).</param>
    public static CalibratedModel Try(CalibratedModel calibrated, FidelityData data, double sqnrWithoutDb, bool force)
    {
        var clock = Stopwatch.StartNew();
        var floatModel = calibrated.Prepared.Loaded.Model;
        var execution = calibrated.Request.Execution;
        var biases = BiasCorrection.Measure(calibrated.Plan, calibrated.Result, Feeds(data), execution);
        var sqnrWithDb = OutputFidelityMeasure.Errors(floatModel, calibrated.WithCorrectedBiases(biases, null).FakeQuantModel(), data, execution)
            .Min(e => e.SqnrDb);
        var kept = force || sqnrWithDb > sqnrWithoutDb + MarginDb;
        var trial = new BiasCorrectionResult(biases.Count, kept, sqnrWithoutDb, sqnrWithDb, data.Samples, clock.Elapsed);
        return calibrated.WithCorrectedBiases(kept ? biases : new Dictionary<string, float[]>(), trial);
    }

    /// <summary>
    /// <c>--bias-correction</c> where no range choice ran (an algorithm was forced): reads <see cref="RangeChoice.Samples"/>
    /// of the calibration samples fed, measures the output without and with correction, and keeps it.
    /// </summary>
    public static CalibratedModel Force(CalibratedModel calibrated)
    {
        var data = RangeChoice.ChoiceData(calibrated);
        var without = OutputFidelityMeasure.Errors(calibrated.Prepared.Loaded.Model, calibrated.FakeQuantModel(), data, calibrated.Request.Execution).Min(e => e.SqnrDb);
        return Try(calibrated, data, without, force: true);
    }

    // The padding of a fixed batch is not counted.
    private static IEnumerable<ModelFeed> Feeds(FidelityData data) =>
        data.Batches.Select((b, i) => new ModelFeed(i, b.Inputs, [], b.Count));
}
