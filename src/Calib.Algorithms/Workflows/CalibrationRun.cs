using System.Diagnostics;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Export;
using Calib.Algorithms.Placement;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Reporting;
using Calib.Graph;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Workflows;

/// <summary>What a calibration run produced.</summary>
/// <param name="Plan">What was quantized, and why the rest was not.</param>
/// <param name="Result">Scales, zero points and weights.</param>
/// <param name="Config">The resolved configuration.</param>
/// <param name="Files">The files written.</param>
/// <param name="Samples">Number of calibration samples used.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
/// <param name="Preparation">What preparation changed, in one line; null when nothing worth telling.</param>
/// <param name="Fidelity">The outputs of the models written compared with float on held-out inputs; null with --no-fidelity.</param>
/// <param name="FidelityBudget">The --min-cosine / --min-sqnr search, when there was one.</param>
/// <param name="Speed">The deploy model timed against the float model; null when not measured.</param>
/// <param name="Placement">What --optimize-for speed decided; null for the other goals.</param>
public sealed record CalibrationOutcome(
    CalibrationPlan Plan, QuantizationResult Result, QuantConfig Config, IReadOnlyList<string> Files, long Samples, TimeSpan Elapsed,
    string? Preparation = null, FidelityReport? Fidelity = null, FidelityBudgetResult? FidelityBudget = null,
    DeploySpeed? Speed = null, PlacementResult? Placement = null)
{
    /// <summary>How the activation ranges were chosen by output error; null when --act-algo or a config file fixed the algorithm.</summary>
    public RangeChoiceResult? RangeChoice { get; init; }

    /// <summary>What the calibration samples were called: "images" when they were images, else "samples".</summary>
    public string SampleNoun { get; init; } = "samples";

    /// <summary>What bias correction measured and decided; null when it was not tried.</summary>
    public BiasCorrectionResult? BiasCorrection { get; init; }

    /// <summary>The layer pairs cross-layer equalization rescaled; null without --equalize.</summary>
    public int? EqualizedPairs { get; init; }
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
        // Claimed before calibrating: an unwritable or busy output folder fails at once.
        using var folder = OutputFolder.Claim(request.OutputDirectory);
        CheckGoal(request);
        var (chosen, choice) = ChooseRanges(Calibrate(Prepare(request, warn), request, onBatch, warn));
        var calibrated = SpeedPlacement.Apply(chosen, warn);
        var fidelity = CheckFidelity(calibrated, onFidelityStep);
        calibrated = fidelity?.Calibrated ?? calibrated;
        var deploy = DeployModel(calibrated);
        var files = Outputs(calibrated, deploy, fidelity);
        var speed = AddSpeed(calibrated, files, deploy);
        files.Commit();
        SpeedPlacement.SaveTimings(calibrated);
        return Outcome(calibrated, files, fidelity, speed) with { RangeChoice = choice };
    }

    /// <summary>Rejects a --timings file without --optimize-for speed, which would silently do nothing.</summary>
    /// <exception cref="CalibException">The request names a timings file for another goal.</exception>
    public static void CheckGoal(CalibrationRequest request)
    {
        if (request.TimingsPath is { } path && request.OptimizeFor != OptimizationGoal.Speed)
            throw new CalibException($"--timings '{path}' records the timings of a speed placement: add --optimize-for speed, or drop --timings.");
    }

    /// <summary>
    /// When the request forces no algorithm (no --act-algo, no config file), the candidate ranges compared
    /// by output error (<see cref="Workflows.RangeChoice"/>, which also tries bias correction); else
    /// <paramref name="calibrated"/> as it is, its biases corrected with --bias-correction.
    /// </summary>
    public static (CalibratedModel Calibrated, RangeChoiceResult? Choice) ChooseRanges(CalibratedModel calibrated)
    {
        if (!Workflows.RangeChoice.Applies(calibrated.Request))
            return (calibrated.Request.BiasCorrection == BiasCorrectionMode.On ? BiasCorrectionStep.Force(calibrated) : calibrated, null);
        var (chosen, choice) = Workflows.RangeChoice.Choose(calibrated);
        return (chosen, choice);
    }

    /// <summary>The request's fidelity check of <paramref name="calibrated"/>; null when it asks for none (--no-fidelity).</summary>
    /// <exception cref="CalibException">Bad fidelity settings or set, or a target that cannot be met.</exception>
    public static FidelityOutcome? CheckFidelity(CalibratedModel calibrated, Action<FidelityStep>? onStep = null) =>
        calibrated.Request.Fidelity is { } settings ? FidelityCheck.Run(calibrated, settings, onStep) : null;

    /// <summary>Loads and prepares the request's model with its configuration.</summary>
    public static PreparedModel Prepare(CalibrationRequest request, Action<string>? warn = null) =>
        PreparedModel.Load(request.Source,
            new PreparationSettings { ConfigPath = request.ConfigPath, Overrides = request.Overrides, Operators = request.Operators, Equalize = request.Equalize },
            warn);

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
        var (preprocessing, preprocessingSource) = PreprocessingMetadata.Resolve(request.Preprocessing, prepared.Loaded, request.ModelPath);
        var config = prepared.Config;
        // Checked here, where the file is known: the plan would name the model by its graph name.
        if (prepared.Model.DefaultOpset < 10)
            throw new CalibException(
                $"Model '{request.ModelPath}' uses ONNX opset {prepared.Model.DefaultOpset}; calib reads opset 7 to 21 and raises 7 to 12 to 13, " +
                $"but could not raise this model ({Graph.Passes.OpsetUpgrade.Obstacle(prepared.Model)}). " +
                "Convert it first, e.g. with python3-onnx: onnx.save(onnx.version_converter.convert_version(onnx.load(path), 13), new_path).");
        var plan = CalibrationPlan.Build(prepared.Model, prepared.Verdicts, config, warn, integerLayerOutputs: request.OptimizeFor == OptimizationGoal.Speed);
        if (plan.Layers.Count == 0)
            throw new CalibException($"Model '{request.ModelPath}' has no layer to quantize: {NoLayerReason(plan)}. Run 'calib inspect' to see why each layer is not quantizable.");
        // Measured in docs/PERFORMANCE.md: ONNX Runtime's CPU kernels for int8 activations (S8S8) are 2–3× slower than for uint8 (U8S8).
        if (!config.ActivationOffset && request.Execution.Device == Graph.Execution.ExecutionDevice.Cpu)
            warn?.Invoke("Symmetric int8 activations (--symmetric, activation_offset: false) run 2–3× slower than calib's default uint8 activations " +
                "in ONNX Runtime's CPU integer kernels (docs/PERFORMANCE.md); keep them only if the deployment target needs symmetric activations.");

        var observation = new CalibrationSetObservation(request.ModelPath, request.CalibrationSet, preprocessing, request.BatchSize,
            config.BatchNum, request.Execution, request.SkipUndecodable, request.TensorData)
        {
            // Raw pixels by default are the likeliest silent mistake: measure the input to say so.
            CheckRawPixels = preprocessingSource == PreprocessingMetadata.None,
        };
        var data = observation.Open(prepared.Model, warn);
        var statistics = observation.Observe(data, prepared.Model, plan.ObservedTensors, tensor => DescribeReaders(plan, tensor), onBatch);
        var result = LayerQuantizer.Quantize(plan, statistics, ConfigResolution.DeployDefaults(config, request.Overrides));
        return new CalibratedModel(prepared, request, plan, result, config, statistics, clock.Elapsed, preprocessing, data)
        {
            PreprocessingSource = preprocessingSource,
        };
    }

    /// <summary>
    /// The files of a calibrated model (fake-quant and deploy models, record, config, CSV), made and
    /// checked but not yet written: add more, then <see cref="OutputFileSet.Commit"/>.
    /// </summary>
    /// <param name="calibrated">The calibrated model.</param>
    /// <param name="deploy">Its deploy model as written (<see cref="DeployModel"/>).</param>
    /// <param name="fidelity">The fidelity check's figures, written beside the models; null when there was none.</param>
    public static OutputFileSet Outputs(CalibratedModel calibrated, OnnxModel deploy, FidelityOutcome? fidelity = null)
    {
        var files = StandardFiles(calibrated, deploy);
        if (fidelity is not null) FidelitySummary.AddFiles(files, calibrated.ModelName, fidelity.Report, fidelity.Budget);
        return files;
    }

    /// <summary>The deploy model of <paramref name="calibrated"/> as written and timed (with its preprocessing metadata): built once for both.</summary>
    public static OnnxModel DeployModel(CalibratedModel calibrated) =>
        StandardOutputs.DeployModel(calibrated.Plan, calibrated.Result, calibrated.Preprocessing);

    private static OutputFileSet StandardFiles(CalibratedModel calibrated, OnnxModel deploy)
    {
        var request = calibrated.Request;
        return StandardOutputs.Build(calibrated.ModelName, request.OutputDirectory,
            calibrated.Plan, calibrated.Result, deploy, calibrated.Config, new Dictionary<string, object?>
            {
                ["model"] = Path.GetFileName(request.ModelPath),
                ["weights"] = request.WeightsPath is null ? null : Path.GetFileName(request.WeightsPath),
                ["calibration_set"] = request.CalibrationSet,
                ["batch_num"] = calibrated.Statistics.Batches,
                // One key whatever the data (images, tensors, images with .npz partners): readers need not guess it.
                ["samples"] = calibrated.Statistics.Samples,
                ["preprocessing"] = calibrated.Preprocessing,
                ["preprocessing_text"] = calibrated.Preprocessing.Describe(),
                ["preprocessing_source"] = calibrated.PreprocessingSource,
                ["device"] = request.Execution.Device.ToString().ToLowerInvariant(),
                // The record's weight scales then describe the equalized weights, not the model file's.
                ["equalized_pairs"] = calibrated.Prepared.EqualizedPairs ?? 0,
            }, calibrated.Preprocessing, calibrated.Placement, calibrated.RecordResult);
    }

    /// <summary>
    /// Times the deploy model against the float model on the calibration batch shape, as the request's
    /// <see cref="CalibrationRequest.Speed"/> allows, and adds <c>&lt;model&gt;_speed.json</c> to
    /// <paramref name="files"/>; null (and no file) when the request asks for no measurement.
    /// </summary>
    /// <param name="calibrated">The calibrated model.</param>
    /// <param name="files">The run's files.</param>
    /// <param name="deploy">The deploy model as written (<see cref="DeployModel"/>): timed and sized as written, metadata included.</param>
    public static DeploySpeed? AddSpeed(CalibratedModel calibrated, OutputFileSet files, OnnxModel deploy)
    {
        var request = calibrated.Request;
        if (request.Speed is not { } budget || calibrated.Statistics.BatchShape.Count == 0) return null;
        var name = calibrated.ModelName;
        var speed = DeploySpeed.Measure(Path.GetFileName(request.ModelPath), calibrated.Prepared.Loaded.Model, StandardOutputs.DeployName(name),
            deploy, calibrated.Statistics.BatchShape, request.Execution, budget);
        files.AddText($"{name}_speed.json", speed.ToJson());
        return speed;
    }

    /// <summary>What a run that wrote <paramref name="files"/> for <paramref name="calibrated"/> produced.</summary>
    public static CalibrationOutcome Outcome(CalibratedModel calibrated, OutputFileSet files, FidelityOutcome? fidelity = null, DeploySpeed? speed = null) =>
        new(calibrated.Plan, calibrated.Result, calibrated.Config, [.. files.Paths], calibrated.Statistics.Samples, calibrated.Elapsed,
            calibrated.Prepared.ChangeSummary, fidelity?.Report, fidelity?.Budget, speed, calibrated.Placement)
        {
            SampleNoun = calibrated.CalibrationData.Noun,
            BiasCorrection = calibrated.BiasCorrection,
            EqualizedPairs = calibrated.Prepared.EqualizedPairs,
        };

    /// <summary>The default output folder: ./calib-out/&lt;model file name without extension&gt;/.</summary>
    public static string DefaultOutputDirectory(string modelPath) =>
        Path.Combine("calib-out", Path.GetFileNameWithoutExtension(modelPath));

    private static string DescribeReaders(CalibrationPlan plan, string tensor)
    {
        var layers = plan.Layers.Where(l => l.Input == tensor).Select(l => l.Name).ToList();
        return layers.Count > 0 ? $"input of layer {string.Join(", ", layers)}" : "an activation of the deploy model";
    }

    private static string NoLayerReason(CalibrationPlan plan)
    {
        if (plan.SkippedByConfig.Count > 0) return "the config disables every quantizable layer";
        // A model whose layers all sit in If/Loop/Scan bodies (e.g. branches on a sample rate) is the common surprise.
        var graph = plan.Model.Graph;
        var nested = graph.Nodes.SelectMany(n => Graph.Analysis.SubgraphNodes.Of(graph, n)).Where(s => s.LooksQuantizable).ToList();
        return nested.Count > 0
            ? $"its {nested.Count} layers that meet AMCT's restrictions all sit inside If/Loop/Scan bodies, which calib does not quantize yet"
            : "it has no Conv, ConvTranspose, Gemm, MatMul or AveragePool that meets AMCT's restrictions";
    }
}
