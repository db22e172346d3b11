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
    /// <summary>Runs calibration as <paramref name="request"/> says.</summary>
    /// <param name="request">The run's inputs and settings.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <param name="warn">Receives warnings.</param>
    public static CalibrationOutcome Execute(CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        var clock = Stopwatch.StartNew();
        var loaded = ModelLoader.Load(request.ModelPath, request.WeightsPath,
            new Graph.Caffe.CaffeImportOptions { InputShape = request.InputShape, Warn = warn });
        var original = loaded.Model;
        var preprocessing = request.Preprocessing
            ?? (loaded.Preprocessing is { } caffe ? Preprocessing.FromCaffe(caffe) : new Preprocessing());
        var preparation = request.Preparation with
        {
            DoFusion = request.Config?.DoFusion ?? request.Preparation.DoFusion,
            SkipFusionLayers = request.Config is { SkipFusionLayers.Count: > 0 } c ? c.SkipFusionLayers.ToHashSet() : request.Preparation.SkipFusionLayers,
        };
        var (model, _) = GraphPreparation.Run(original, preparation);
        var config = ResolveConfig(model, request);
        var plan = CalibrationPlan.Build(model, config, request.Defaults, warn);
        if (plan.Layers.Count == 0)
            throw new CalibException($"Model '{request.ModelPath}' has no layer to quantize: {NoLayerReason(plan)}. Run 'calib inspect' to see why each layer is not quantizable.");

        var (layout, batchSize) = InputLayoutOf(model, request);
        var set = Data.CalibrationSet.Open(request.CalibrationSet);
        using var reader = new BatchReader(set, layout, preprocessing, batchSize, request.BatchNum,
            new BatchReaderOptions { SkipUndecodable = request.SkipUndecodable, Warn = warn });
        var statistics = ActivationStatistics.Collect(model, plan.ObservedTensors, reader.ReadBatches(), request.Execution,
            tensor => DescribeReaders(plan, tensor), done => onBatch?.Invoke(done, request.BatchNum));
        var result = LayerQuantizer.Quantize(plan, statistics, request.Defaults.Activation);

        var files = Outputs(request, preprocessing, plan, result, config, statistics);
        files.Commit();
        return new CalibrationOutcome(plan, result, config, [.. files.Paths], statistics.Samples, clock.Elapsed);
    }

    /// <summary>The default output folder: ./calib-out/&lt;model file name without extension&gt;/.</summary>
    public static string DefaultOutputDirectory(string modelPath) =>
        Path.Combine("calib-out", Path.GetFileNameWithoutExtension(modelPath));

    private static QuantConfig ResolveConfig(OnnxModel model, CalibrationRequest request)
    {
        var config = request.Config ?? new QuantConfig();
        config.BatchNum = request.BatchNum;
        config.ActivationOffset = request.Defaults.Activation.Options.Asymmetric;
        foreach (var verdict in Graph.Analysis.QuantizableLayerFinder.Find(model))
            if (!config.Layers.ContainsKey(verdict.Node.Name)) config.Layers[verdict.Node.Name] = request.Defaults;
        return config;
    }

    private static (InputLayout Layout, int BatchSize) InputLayoutOf(OnnxModel model, CalibrationRequest request)
    {
        var inputs = model.Graph.RuntimeInputs.ToList();
        if (inputs.Count != 1)
            throw new CalibException($"Model '{request.ModelPath}' has {inputs.Count} inputs; image calibration needs a model with exactly one input.");
        var info = TensorInfoCatalog.FromDeclarations(model).Find(inputs[0].Name)
            ?? throw new CalibException($"Model '{request.ModelPath}': input '{inputs[0].Name}' has no declared tensor type.");
        var layout = InputLayout.FromTensor(info);
        var fixedBatch = info.DimensionOrNull(0);
        if (request.BatchSize is { } size && fixedBatch is { } n && size != n)
            throw new CalibException($"Model '{request.ModelPath}' has a fixed batch size of {n}; --batch-size {size} does not fit. Leave --batch-size out or use {n}.");
        var batchSize = request.BatchSize ?? (int)(fixedBatch ?? 1);
        if (batchSize < 1 || request.BatchNum < 1)
            throw new CalibException($"--batch-num ({request.BatchNum}) and --batch-size ({batchSize}) must be at least 1.");
        return (layout, batchSize);
    }

    private static OutputFileSet Outputs(CalibrationRequest request, Preprocessing preprocessing, CalibrationPlan plan,
        QuantizationResult result, QuantConfig config, ActivationStatistics statistics)
    {
        var name = Path.GetFileNameWithoutExtension(request.ModelPath);
        var files = new OutputFileSet(request.OutputDirectory);
        files.Add($"{name}_fake_quant.onnx", OnnxModelFile.ToBytes(Loadable(QdqModels.FakeQuant(plan, result))));
        files.Add($"{name}_deploy.onnx", OnnxModelFile.ToBytes(Loadable(QdqModels.Deploy(plan, result))));
        files.AddText($"{name}_record.txt", RecordFiles.RecordText(result));
        files.AddText($"{name}_record.json", RecordFiles.RecordJson(result, new Dictionary<string, object?>
        {
            ["model"] = Path.GetFileName(request.ModelPath),
            ["weights"] = request.WeightsPath is null ? null : Path.GetFileName(request.WeightsPath),
            ["calibration_set"] = request.CalibrationSet,
            ["batch_num"] = statistics.Batches,
            ["images"] = statistics.Samples,
            ["preprocessing"] = preprocessing,
            ["preprocessing_text"] = preprocessing.Describe(),
            ["preprocessing_source"] = request.Preprocessing is not null ? "flags" : preprocessing == new Preprocessing() ? "none" : "model (Caffe transform_param)",
            ["device"] = request.Execution.Device.ToString().ToLowerInvariant(),
        }));
        files.AddText($"{name}_quant_config.json", config.ToJson());
        files.AddText($"{name}_calibration.csv", CalibrationCsv.Write(plan, result));
        return files;
    }

    // An emitted model that ONNX Runtime rejects is a calib bug: fail before writing anything.
    private static OnnxModel Loadable(OnnxModel model)
    {
        try
        {
            ModelRunner.Create(model, new ExecutionOptions { Optimize = false }).Dispose();
        }
        catch (CalibException e)
        {
            throw new InvalidOperationException($"calib produced a model ONNX Runtime rejects: {e.Message}", e);
        }
        return model;
    }

    private static string DescribeReaders(CalibrationPlan plan, string tensor)
    {
        var layers = plan.Layers.Where(l => l.Input == tensor).Select(l => l.Name).ToList();
        return layers.Count > 0 ? $"input of layer {string.Join(", ", layers)}" : "an activation of the deploy model";
    }

    private static string NoLayerReason(CalibrationPlan plan) =>
        plan.SkippedByConfig.Count > 0 ? "the config disables every quantizable layer" : "it has no Conv, ConvTranspose, Gemm, MatMul or AveragePool that meets AMCT's restrictions";
}
