using System.Diagnostics;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Quantization;

namespace Calib.Algorithms.Workflows;

/// <summary>One candidate of the range choice: an algorithm and the model output error it gives.</summary>
/// <param name="Algorithm">The activation algorithm, applied to every layer.</param>
/// <param name="SqnrDb">The fake-quant model's worst output SQNR (dB) against float on the choice samples.</param>
/// <param name="Cosine">Its worst output cosine.</param>
public sealed record RangeCandidate(ActivationAlgorithm Algorithm, double SqnrDb, double Cosine);

/// <summary>How the activation ranges were chosen when no algorithm was forced.</summary>
/// <param name="Chosen">The algorithm written.</param>
/// <param name="Candidates">Every candidate tried, IFMR first.</param>
/// <param name="Samples">Calibration samples the candidates were compared on.</param>
/// <param name="Elapsed">What the choice cost on top of calibration.</param>
public sealed record RangeChoiceResult(ActivationAlgorithm Chosen, IReadOnlyList<RangeCandidate> Candidates, int Samples, TimeSpan Elapsed);

/// <summary>
/// Chooses the activation ranges by the error they cause at the model output rather than by one
/// fixed rule: the statistics already collected give each candidate algorithm's ranges at no
/// observation cost (IFMR, min/max, percentile, MSE), each candidate's fake-quant model is compared
/// with float on calibration images, and the one with the best worst-output SQNR is kept. IFMR (AMCT's
/// default) stays unless another beats it by <see cref="MarginDb"/>, so models where the algorithms
/// agree keep AMCT's ranges. The choice is made on calibration images, so the fidelity check's
/// held-out images stay an independent measure of it.
/// </summary>
public static class RangeChoice
{
    /// <summary>The SQNR gain (dB) another candidate needs over IFMR to replace it.</summary>
    public const double MarginDb = 0.5;

    /// <summary>Calibration samples the candidates are compared on (at most): the ones calibration fed, spread over them.</summary>
    public const int Samples = 32;

    /// <summary>The candidates, IFMR first.</summary>
    public static IReadOnlyList<ActivationAlgorithm> Algorithms { get; } =
        [ActivationAlgorithm.Ifmr, ActivationAlgorithm.MinMax, ActivationAlgorithm.Percentile, ActivationAlgorithm.Mse];

    /// <summary>True when the request leaves the algorithm to calib: no --act-algo, no config file.</summary>
    public static bool Applies(CalibrationRequest request) => request.Overrides.Algorithm is null && request.ConfigPath is null;

    /// <summary>
    /// Compares the candidates on <paramref name="calibrated"/>'s calibration images and returns the
    /// calibration with the best one (<paramref name="calibrated"/> itself when IFMR stays), its biases
    /// corrected as the request's <see cref="CalibrationRequest.BiasCorrection"/> says (<see cref="BiasCorrectionStep"/>).
    /// </summary>
    public static (CalibratedModel Calibrated, RangeChoiceResult Choice) Choose(CalibratedModel calibrated)
    {
        var clock = Stopwatch.StartNew();
        var request = calibrated.Request;
        var floatModel = calibrated.Prepared.Loaded.Model;
        var data = ChoiceData(calibrated);
        var variants = Algorithms.Select(a => a == ActivationAlgorithm.Ifmr && IsIfmr(calibrated) ? calibrated : calibrated.WithAlgorithm(a)).ToList();
        var candidates = Algorithms.Zip(variants, (algorithm, variant) =>
        {
            var errors = OutputFidelityMeasure.Errors(floatModel, variant.FakeQuantModel(), data, request.Execution);
            return new RangeCandidate(algorithm, errors.Min(e => e.SqnrDb), errors.Min(e => e.Cosine));
        }).ToList();
        var best = candidates.Index().Skip(1).MaxBy(c => c.Item.SqnrDb);
        var chosen = best.Item.SqnrDb > candidates[0].SqnrDb + MarginDb ? best.Index : 0;
        var result = request.BiasCorrection == BiasCorrectionMode.Off
            ? variants[chosen]
            : BiasCorrectionStep.Try(variants[chosen], data, candidates[chosen].SqnrDb, force: request.BiasCorrection == BiasCorrectionMode.On);
        return (result, new RangeChoiceResult(candidates[chosen].Algorithm, candidates, data.Samples, clock.Elapsed));
    }

    /// <summary>The calibration samples the candidates are compared on: at most <see cref="Samples"/> of those calibration fed, spread evenly.</summary>
    public static FidelityData ChoiceData(CalibratedModel calibrated) =>
        FidelityData.Calibration(calibrated.CalibrationData, calibrated.Statistics.Fed, calibrated.Request.BatchSize, calibrated.Request.ModelPath, Samples);

    private static bool IsIfmr(CalibratedModel calibrated) => calibrated.Result.Layers.All(l => l.Input.Algorithm == ActivationAlgorithm.Ifmr);
}
