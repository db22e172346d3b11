using System.Diagnostics;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Export;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Reporting;
using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Workflows;

/// <summary>What a calibration run produced.</summary>
/// <param name="Plan">What was quantized, and why the rest was not.</param>
/// <param name="Result">Scales, zero points and weights.</param>
/// <param name="Config">The resolved configuration.</param>
/// <param name="Files">The files written.</param>
/// <param name="Images">Number of calibration images used.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
/// <param name="Preparation">What preparation changed, in one line; null when nothing worth telling.</param>
/// <param name="Fidelity">The outputs of the models written compared with float on held-out inputs; null with --no-fidelity.</param>
/// <param name="FidelityBudget">The --min-cosine / --min-sqnr search, when there was one.</param>
public sealed record CalibrationOutcome(
    CalibrationPlan Plan, QuantizationResult Result, QuantConfig Config, IReadOnlyList<string> Files, long Images, TimeSpan Elapsed,
    string? Preparation = null, FidelityReport? Fidelity = null, FidelityBudgetResult? FidelityBudget = null)
{
    /// <summary>How the activation ranges were chosen by output error; null when --act-algo or a config file fixed the algorithm.</summary>
    public RangeChoiceResult? RangeChoice { get; init; }
}

/// <summary>
/// Post-training calibration end to end: load and prepare (<see cref="PreparedModel"/>), observe,
/// choose ranges, quantize weights, and write the fake-quant and deploy models with their record,
/// config and CSV.
/// </summary>
public static class CalibrationRun
{
    /// <summary>Runs calibration as <paramref name="request"/> says and writes every output.</summary>
    /// <param name="request">The run's inputs and settings.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings.</param>
    /// <param name="onFidelityStep">Each step of a --min-cosine / --min-sqnr search.</param>
    /// <exception cref="CalibException">Bad input, or a fidelity target that cannot be met (nothing is written).</exception>
    public static CalibrationOutcome Execute(CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null,
        Action<FidelityStep>? onFidelityStep = null)
    {
        var (calibrated, choice) = ChooseRanges(Calibrate(Prepare(request, warn), request, onBatch, warn));
        var fidelity = CheckFidelity(calibrated, onFidelityStep);
        calibrated = fidelity?.Calibrated ?? calibrated;
        var files = Outputs(calibrated, fidelity);
        files.Commit();
        return Outcome(calibrated, files, fidelity) with { RangeChoice = choice };
    }

    /// <summary>
    /// When the request forces no algorithm (no --act-algo, no config file), the candidate ranges compared
    /// by output error (<see cref="Workflows.RangeChoice"/>); else <paramref name="calibrated"/> as it is.
    /// </summary>
    public static (CalibratedModel Calibrated, RangeChoiceResult? Choice) ChooseRanges(CalibratedModel calibrated)
    {
        if (!Workflows.RangeChoice.Applies(calibrated.Request)) return (calibrated, null);
        var (chosen, choice) = Workflows.RangeChoice.Choose(calibrated);
        return (chosen, choice);
    }

    /// <summary>The request's fidelity check of <paramref name="calibrated"/>; null when it asks for none.</summary>
    /// <exception cref="CalibException">Bad fidelity settings or set, or a target that cannot be met.</exception>
    public static FidelityOutcome? CheckFidelity(CalibratedModel calibrated, Action<FidelityStep>? onStep = null) =>
        calibrated.Request.Fidelity is { } settings ? FidelityCheck.Run(calibrated, settings, onStep) : null;

    /// <summary>Loads and prepares the request's model with its configuration.</summary>
    public static PreparedModel Prepare(CalibrationRequest request, Action<string>? warn = null) =>
        PreparedModel.Load(request.Source,
            new PreparationSettings { ConfigPath = request.ConfigPath, Overrides = request.Overrides, Operators = request.Operators }, warn);

    /// <summary>
    /// Calibrates a prepared model in memory: observe, choose ranges, quantize weights. Nothing is written;
    /// see <see cref="Outputs"/>.
    /// </summary>
    /// <param name="prepared">The model, prepared for <paramref name="request"/> (see <see cref="Prepare"/>).</param>
    /// <param name="request">The run's inputs and settings.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings.</param>
    public static CalibratedModel Calibrate(PreparedModel prepared, CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        var clock = Stopwatch.StartNew();
        var preprocessing = Preprocessing.Resolve(request.Preprocessing, prepared.Loaded);
        var config = prepared.Config;
        var plan = CalibrationPlan.Build(prepared.Model, prepared.Verdicts, config, warn);
        if (plan.Layers.Count == 0)
            throw new CalibException($"Model '{request.ModelPath}' has no layer to quantize: {NoLayerReason(plan)}. Run 'calib inspect' to see why each layer is not quantizable.");

        var observation = new CalibrationSetObservation(request.ModelPath, request.CalibrationSet, preprocessing, request.BatchSize,
            config.BatchNum, request.Execution, request.SkipUndecodable);
        var statistics = observation.Observe(prepared.Model, plan.ObservedTensors, tensor => DescribeReaders(plan, tensor), onBatch, warn);
        var result = LayerQuantizer.Quantize(plan, statistics, ConfigResolution.DeployDefaults(config, request.Overrides));
        return new CalibratedModel(prepared, request, plan, result, config, statistics, clock.Elapsed, preprocessing);
    }

    /// <summary>
    /// The files of a calibrated model (fake-quant and deploy models, record, config, CSV), made and
    /// checked but not yet written: add more, then <see cref="OutputFileSet.Commit"/>.
    /// </summary>
    public static OutputFileSet Outputs(CalibratedModel calibrated, FidelityOutcome? fidelity = null)
    {
        var files = StandardFiles(calibrated);
        if (fidelity is not null) FidelitySummary.AddFiles(files, calibrated.ModelName, fidelity.Report, fidelity.Budget);
        return files;
    }

    private static OutputFileSet StandardFiles(CalibratedModel calibrated)
    {
        var request = calibrated.Request;
        return StandardOutputs.Build(calibrated.ModelName, request.OutputDirectory,
            calibrated.Plan, calibrated.Result, calibrated.Config, new Dictionary<string, object?>
            {
                ["model"] = Path.GetFileName(request.ModelPath),
                ["weights"] = request.WeightsPath is null ? null : Path.GetFileName(request.WeightsPath),
                ["calibration_set"] = request.CalibrationSet,
                ["batch_num"] = calibrated.Statistics.Batches,
                ["images"] = calibrated.Statistics.Samples,
                ["preprocessing"] = calibrated.Preprocessing,
                ["preprocessing_text"] = calibrated.Preprocessing.Describe(),
                ["preprocessing_source"] = request.Preprocessing is not null ? "flags"
                    : calibrated.Preprocessing == new Preprocessing() ? "none" : "model (Caffe transform_param)",
                ["device"] = request.Execution.Device.ToString().ToLowerInvariant(),
            });
    }

    /// <summary>What a run that wrote <paramref name="files"/> for <paramref name="calibrated"/> produced.</summary>
    public static CalibrationOutcome Outcome(CalibratedModel calibrated, OutputFileSet files, FidelityOutcome? fidelity = null) =>
        new(calibrated.Plan, calibrated.Result, calibrated.Config, [.. files.Paths], calibrated.Statistics.Samples, calibrated.Elapsed,
            calibrated.Prepared.ChangeSummary, fidelity?.Report, fidelity?.Budget);

    /// <summary>The default output folder: ./calib-out/&lt;model file name without extension&gt;/.</summary>
    public static string DefaultOutputDirectory(string modelPath) =>
        Path.Combine("calib-out", Path.GetFileNameWithoutExtension(modelPath));

    private static string DescribeReaders(CalibrationPlan plan, string tensor)
    {
        var layers = plan.Layers.Where(l => l.Input == tensor).Select(l => l.Name).ToList();
        return layers.Count > 0 ? $"input of layer {string.Join(", ", layers)}" : "an activation of the deploy model";
    }

    private static string NoLayerReason(CalibrationPlan plan) =>
        plan.SkippedByConfig.Count > 0 ? "the config disables every quantizable layer" : "it has no Conv, ConvTranspose, Gemm, MatMul or AveragePool that meets AMCT's restrictions";
}
