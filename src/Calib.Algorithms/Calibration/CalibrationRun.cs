using System.Diagnostics;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Export;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Calibration;

/// <summary>What a calibration run produced.</summary>
/// <param name="Plan">What was quantized, and why the rest was not.</param>
/// <param name="Result">Scales, zero points and weights.</param>
/// <param name="Config">The resolved configuration.</param>
/// <param name="Files">The files written.</param>
/// <param name="Images">Number of calibration images used.</param>
/// <param name="Elapsed">Wall time of the whole run.</param>
public sealed record CalibrationOutcome(
    CalibrationPlan Plan, QuantizationResult Result, QuantConfig Config, IReadOnlyList<string> Files, long Images, TimeSpan Elapsed);

/// <summary>
/// Post-training calibration end to end: load, prepare, observe, choose ranges, quantize
/// weights, and write the fake-quant and deploy models with their record, config and CSV.
/// </summary>
public static class CalibrationRun
{
    /// <summary>Runs calibration as <paramref name="request"/> says and writes every output.</summary>
    /// <param name="request">The run's inputs and settings.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings.</param>
    public static CalibrationOutcome Execute(CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        // Claimed before calibrating: an unwritable or busy output folder fails at once.
        using var folder = OutputFolder.Claim(request.OutputDirectory);
        var calibrated = Calibrate(request, onBatch, warn);
        var files = Outputs(calibrated);
        files.Commit();
        return Outcome(calibrated, files);
    }

    /// <summary>
    /// Calibrates in memory: load, prepare, observe, choose ranges, quantize weights. Nothing is written;
    /// see <see cref="Outputs"/>.
    /// </summary>
    /// <param name="request">The run's inputs and settings.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings.</param>
    public static CalibratedModel Calibrate(CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        var clock = Stopwatch.StartNew();
        var loaded = ModelLoader.Load(request.ModelPath, request.WeightsPath,
            new Graph.Caffe.CaffeImportOptions { InputShape = request.InputShape, Warn = warn });
        var (preprocessing, preprocessingSource) = PreprocessingMetadata.Resolve(request.Preprocessing, loaded, request.ModelPath);
        var (model, config) = PrepareAndConfigure(loaded.Model, request.ConfigPath, request.Overrides);
        var plan = CalibrationPlan.Build(model, config, warn);
        if (plan.Layers.Count == 0)
            throw new CalibException($"Model '{request.ModelPath}' has no layer to quantize: {NoLayerReason(plan)}. Run 'calib inspect' to see why each layer is not quantizable.");

        var input = ModelInput.Of(model, request.ModelPath);
        var batchSize = input.BatchSize(request.BatchSize, fallback: 1, request.ModelPath);
        var set = Data.CalibrationSet.Open(request.CalibrationSet);
        using var reader = new BatchReader(set, input.Layout, preprocessing, batchSize, config.BatchNum,
            new BatchReaderOptions { SkipUndecodable = request.SkipUndecodable, Warn = warn });
        // Raw pixels by default are the likeliest silent mistake: measure them to say so.
        var rawPixels = preprocessingSource == PreprocessingMetadata.None && set.Samples.HasImages ? new InputRange() : null;
        var statistics = ActivationStatistics.Collect(model, plan.ObservedTensors, rawPixels?.Track(reader.ReadBatches()) ?? reader.ReadBatches(),
            request.Execution, tensor => DescribeReaders(plan, tensor), done => onBatch?.Invoke(done, config.BatchNum));
        if (rawPixels is not null) warn?.Invoke(rawPixels.RawPixelsWarning(request.ModelPath));
        var result = LayerQuantizer.Quantize(plan, statistics, ConfigResolution.DeployDefaults(config, request.Overrides));
        return new CalibratedModel(request, plan, result, config, statistics, clock.Elapsed, preprocessing) { PreprocessingSource = preprocessingSource };
    }

    /// <summary>
    /// The files of a calibrated model (fake-quant and deploy models, record, config, CSV), made and
    /// checked but not yet written: add more, then <see cref="OutputFileSet.Commit"/>.
    /// </summary>
    public static OutputFileSet Outputs(CalibratedModel calibrated)
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
                ["preprocessing_source"] = calibrated.PreprocessingSource,
                ["device"] = request.Execution.Device.ToString().ToLowerInvariant(),
            }, calibrated.Preprocessing);
    }

    /// <summary>What a run that wrote <paramref name="files"/> for <paramref name="calibrated"/> produced.</summary>
    public static CalibrationOutcome Outcome(CalibratedModel calibrated, OutputFileSet files) =>
        new(calibrated.Plan, calibrated.Result, calibrated.Config, [.. files.Paths], calibrated.Statistics.Samples, calibrated.Elapsed);

    /// <summary>The default output folder: ./calib-out/&lt;model file name without extension&gt;/.</summary>
    public static string DefaultOutputDirectory(string modelPath) =>
        Path.Combine("calib-out", Path.GetFileNameWithoutExtension(modelPath));

    /// <summary>
    /// Prepares the model (AMCT's fusion) and resolves its configuration: defaults, then the file, then
    /// <paramref name="overrides"/>. The file may turn fusion off, so the model is prepared again when it does.
    /// </summary>
    public static (OnnxModel Model, QuantConfig Config) PrepareAndConfigure(OnnxModel original, string? configPath, SettingOverrides overrides)
    {
        var (model, _) = GraphPreparation.Run(original, new GraphPreparation.Options());
        var config = ConfigResolution.Resolve(new ModelLayers(Graph.Analysis.QuantizableLayerFinder.Classify(model)), configPath, overrides);
        if (!config.DoFusion || config.SkipFusionLayers.Count > 0)
            (model, _) = GraphPreparation.Run(original, new GraphPreparation.Options(config.DoFusion, config.SkipFusionLayers.ToHashSet()));
        return (model, config);
    }

    private static string DescribeReaders(CalibrationPlan plan, string tensor)
    {
        var layers = plan.Layers.Where(l => l.Input == tensor).Select(l => l.Name).ToList();
        return layers.Count > 0 ? $"input of layer {string.Join(", ", layers)}" : "an activation of the deploy model";
    }

    private static string NoLayerReason(CalibrationPlan plan) =>
        plan.SkippedByConfig.Count > 0 ? "the config disables every quantizable layer" : "it has no Conv, ConvTranspose, Gemm, MatMul or AveragePool that meets AMCT's restrictions";
}
