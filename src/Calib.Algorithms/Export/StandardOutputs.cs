using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Placement;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Export;

/// <summary>
/// The files every quantizing command writes (SPEC §6): fake-quant and deploy models, AMCT record
/// (text and JSON), resolved config and calibration CSV — all produced in memory, each model checked
/// to load in ONNX Runtime, ready to commit atomically. A model above 2 GiB, or made from a model read
/// with external data, brings its data file (see <see cref="OnnxModelFile.AddModel"/>).
/// </summary>
public static class StandardOutputs
{
    /// <summary>The file set for <paramref name="modelName"/> (file name without extension).</summary>
    /// <param name="modelName">Stem of every file name.</param>
    /// <param name="directory">The output folder.</param>
    /// <param name="plan">What is quantized.</param>
    /// <param name="result">The quantization.</param>
    /// <param name="deploy">The deploy model of <paramref name="plan"/> and <paramref name="result"/>, made by <see cref="DeployModel"/>
    /// (the caller keeps it, e.g. to time it, without making it again).</param>
    /// <param name="config">The resolved configuration.</param>
    /// <param name="context">Run facts recorded at the top of the JSON record.</param>
    /// <param name="preprocessing">The input preprocessing, recorded in the fake-quant model's metadata (<see cref="DeployModel"/> records it in
    /// the deploy model's); null when unknown.</param>
    /// <param name="placement">The speed placement's decisions, recorded in the CSV; null when none was made.</param>
    /// <param name="record">The layers the AMCT record holds, when not those of <paramref name="result"/> (a speed placement keeps them).</param>
    public static OutputFileSet Build(string modelName, string directory, CalibrationPlan plan, QuantizationResult result, OnnxModel deploy,
        QuantConfig config, IReadOnlyDictionary<string, object?> context, Preprocessing? preprocessing, PlacementResult? placement = null,
        QuantizationResult? record = null)
    {
        record ??= result;
        var files = new OutputFileSet(directory);
        files.AddModel($"{modelName}_fake_quant.onnx", Loadable(Stamped(QdqModels.FakeQuant(plan, result), preprocessing)));
        files.AddModel(DeployName(modelName), Loadable(deploy));
        files.AddText($"{modelName}_record.txt", RecordFiles.RecordText(record));
        files.AddText($"{modelName}_record.json", RecordFiles.RecordJson(record, context));
        files.AddText($"{modelName}_quant_config.json", config.ToJson());
        files.AddText($"{modelName}_calibration.csv", CalibrationCsv.Write(plan, result, placement));
        return files;
    }

    /// <summary>The deploy model's file name for <paramref name="modelName"/>.</summary>
    public static string DeployName(string modelName) => $"{modelName}_deploy.onnx";

    /// <summary>The deploy model as <see cref="Build"/> writes it (with its preprocessing metadata).</summary>
    public static OnnxModel DeployModel(CalibrationPlan plan, QuantizationResult result, Preprocessing? preprocessing) =>
        Stamped(QdqModels.Deploy(plan, result), preprocessing);

    private static OnnxModel Stamped(OnnxModel model, Preprocessing? preprocessing)
    {
        if (preprocessing is not null) PreprocessingMetadata.Stamp(model, preprocessing);
        return model;
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
}
