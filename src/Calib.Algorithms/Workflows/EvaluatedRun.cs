using System.Globalization;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Reporting;
using Calib.Graph;

namespace Calib.Algorithms.Workflows;

/// <summary>What <c>calib run --eval-set</c> needs besides the calibration request.</summary>
public sealed record EvaluatedRunRequest
{
    /// <summary>The calibration; its preprocessing, batch size and device serve the evaluation too.</summary>
    public required CalibrationRequest Calibration { get; init; }

    /// <summary>The labelled evaluation set folder.</summary>
    public required string EvalSet { get; init; }

    /// <summary>--limit, --layer-samples and --sensitivity (preprocessing, batch size and device come from <see cref="Calibration"/>).</summary>
    public EvaluationSettings Settings { get; init; } = new();

    /// <summary>The allowed top-1 drop in points; null evaluates without searching.</summary>
    public double? AccuracyBudget { get; init; }

    /// <summary>Layers whose input histogram is plotted; empty plots the layer that adds the most error.</summary>
    public IReadOnlyList<string> PlotLayers { get; init; } = [];
}

/// <summary>What <c>calib run --eval-set</c> produced.</summary>
/// <param name="Calibration">The calibration and the files written.</param>
/// <param name="Report">The evaluation of the model written.</param>
/// <param name="Budget">The accuracy-budget search, when there was one.</param>
public sealed record EvaluatedRunOutcome(CalibrationOutcome Calibration, EvaluationReport Report, BudgetResult? Budget);

/// <summary>
/// Calibration followed by evaluation (and, given a budget, AMCT's accuracy-based search), written
/// together: the calibration outputs, then <c>&lt;model&gt;_accuracy.csv</c>/<c>.json</c> and the plots.
/// Everything is computed before anything is written, so a failed budget leaves no file.
/// </summary>
public static class EvaluatedRun
{
    /// <summary>Runs <paramref name="request"/>.</summary>
    /// <param name="request">Calibration and evaluation settings.</param>
    /// <param name="onBatch">Calibration progress: (batches done, batches in all).</param>
    /// <param name="progress">Evaluation progress.</param>
    /// <param name="onStep">Each step of the budget search.</param>
    /// <param name="warn">Receives warnings.</param>
    /// <exception cref="CalibException">Bad input, or the budget cannot be met with at least one layer quantized.</exception>
    public static EvaluatedRunOutcome Execute(EvaluatedRunRequest request, Action<int, int>? onBatch = null,
        Action<EvaluationProgress>? progress = null, Action<BudgetStep>? onStep = null, Action<string>? warn = null)
    {
        if (request.AccuracyBudget is not null && request.Calibration.Fidelity?.HasTarget == true)
            throw new CalibException("--accuracy-budget and --min-cosine/--min-sqnr both choose the layers to keep in float: give one of them.");
        if (request.AccuracyBudget is < 0 or double.NaN)
            throw new CalibException($"--accuracy-budget {request.AccuracyBudget} must be 0 or more (points of top-1 accuracy).");
        var calibration = request.Calibration;
        // Claimed before calibrating: an unwritable or busy output folder fails at once.
        using var folder = Graph.IO.OutputFolder.Claim(calibration.OutputDirectory);
        CalibrationRun.CheckGoal(calibration);
        var prepared = CalibrationRun.Prepare(calibration, warn);
        var settings = request.Settings with
        {
            // The images are evaluated as they were calibrated: the flags, else the model's own preprocessing.
            Preprocessing = Preprocessing.Resolve(calibration.Preprocessing, prepared.Loaded, calibration.ModelPath),
            BatchSize = calibration.BatchSize,
            Execution = calibration.Execution,
        };
        // Layers are compared with float by their output tensors: after --equalize, the equalized float model computes what
        // the quantized layers approximate (its model outputs are the original's).
        var floatModel = new NamedModel(calibration.ModelPath, calibration.Equalize ? prepared.Model : prepared.Loaded.Model);
        // Opened before calibrating, so that a bad evaluation set fails at once.
        var data = EvaluationData.Open(floatModel.Model, calibration.ModelPath, request.EvalSet, settings);
        var (chosen, choice) = CalibrationRun.ChooseRanges(CalibrationRun.Calibrate(prepared, calibration, onBatch, warn));
        // Placed before evaluating, so that what is evaluated is what is written.
        var calibrated = SpeedPlacement.Apply(chosen, warn);
        // A fidelity target decides which layers are written, so it runs before evaluating; it excludes an accuracy
        // budget. Without one, the figures are measured once, on the models written.
        var fidelityFirst = calibration.Fidelity?.HasTarget == true;
        var fidelity = fidelityFirst ? CalibrationRun.CheckFidelity(calibrated) : null;
        calibrated = fidelity?.Calibrated ?? calibrated;
        var report = Evaluate(calibrated, floatModel, data, settings, progress);
        BudgetResult? budget = null;
        if (request.AccuracyBudget is { } allowed)
        {
            budget = AccuracyBudget.Search(calibrated, report, data, allowed, settings.Execution, onStep, progress);
            if (!budget.Met) throw new CalibException(Unmet(budget, report.Layers.Count));
            if (budget.Steps.Count > 0)
            {
                calibrated = calibrated.KeepingFloat(budget.FloatLayers);
                report = Evaluate(calibrated, floatModel, data, settings, progress);
            }
        }
        if (!fidelityFirst) fidelity = CalibrationRun.CheckFidelity(calibrated);
        var deploy = CalibrationRun.DeployModel(calibrated);
        var files = CalibrationRun.Outputs(calibrated, deploy, fidelity);
        ReportFiles.AddTables(files, $"{calibrated.ModelName}_accuracy", report, budget);
        ReportFiles.AddPlots(files, $"{calibrated.ModelName}_", report, request.PlotLayers);
        var speed = CalibrationRun.AddSpeed(calibrated, files, deploy);
        files.Commit();
        SpeedPlacement.SaveTimings(calibrated);
        return new EvaluatedRunOutcome(CalibrationRun.Outcome(calibrated, files, fidelity, speed) with { RangeChoice = choice }, report, budget);
    }

    private static EvaluationReport Evaluate(CalibratedModel calibrated, NamedModel floatModel, EvaluationData data, EvaluationSettings settings,
        Action<EvaluationProgress>? progress)
    {
        var name = calibrated.ModelName;
        var clips = calibrated.Result.Layers.ToDictionary(l => l.Layer.Name, l => l.Input.Clip, StringComparer.Ordinal);
        return Evaluator.Evaluate(floatModel, new NamedModel($"{name}_fake_quant.onnx", calibrated.FakeQuantModel()),
            [new NamedModel($"{name}_deploy.onnx", calibrated.DeployModel())], data, settings, clips, progress,
            placedAllFloat: calibrated.Plan.Layers.Count == 0);
    }

    private static string Unmet(BudgetResult budget, int layers)
    {
        string Points(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
        var last = budget.Steps.LastOrDefault();
        var tried = last is null
            ? "the model has a single quantized layer, which cannot be kept in float"
            : $"with {budget.Steps.Count} of its {layers} layers in float ({string.Join(", ", budget.FloatLayers)}) top-1 is still " +
              $"{Points(last.Top1)} %, {Points(last.Drop)} points below float";
        return $"The accuracy budget of {Points(budget.Budget)} points cannot be met: float top-1 is {Points(budget.FloatTop1)} %, fake-quant " +
               $"{Points(budget.QuantizedTop1)} %, and {tried}; only a fully float model is within budget. Nothing was written: raise " +
               "--accuracy-budget, or calibrate with more images or another --act-algo.";
    }
}
