using Calib.Algorithms.Export;
using Calib.Algorithms.Retrain;
using Calib.Graph.IO;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// <c>calib retrain export</c>: calibrates like <c>calib run</c>, then writes the QAT starting point —
/// <c>&lt;model&gt;_retrain.onnx</c> (Q/DQ on every quantized layer's input and weight, initialised from
/// calibration) and <c>&lt;model&gt;_retrain_config.json</c> (see <see cref="RetrainConfigFile"/>).
/// </summary>
public static class RetrainExport
{
    /// <summary>Runs the export; returns the files written.</summary>
    public static IReadOnlyList<string> Execute(CalibrationRequest request, Action<int, int>? onBatch = null, Action<string>? warn = null)
    {
        // The fine-tuning script starts from the original weights: ranges observed on equalized ones would not fit them.
        if (request.Equalize)
            throw new Graph.CalibException("--equalize is for 'calib run': 'calib retrain export' hands the original weights to fine-tuning, " +
                "and ranges observed on equalized weights would not fit them. Drop --equalize.");
        // Claimed before calibrating: an unwritable or busy output folder fails at once.
        using var folder = OutputFolder.Claim(request.OutputDirectory);
        // Fine-tuning starts from the ranges 'calib run' would write.
        var (calibrated, _) = CalibrationRun.ChooseRanges(CalibrationRun.Calibrate(CalibrationRun.Prepare(request, warn), request, onBatch, warn));
        var name = calibrated.ModelName;
        var model = calibrated.FakeQuantModel();
        model.Graph.Name = model.Graph.Name.Replace("_fake-quant", "_retrain", StringComparison.Ordinal);
        Data.PreprocessingMetadata.Stamp(model, calibrated.Preprocessing);
        var files = new OutputFileSet(request.OutputDirectory);
        files.AddModel($"{name}_retrain.onnx", model);
        files.AddText($"{name}_retrain_config.json", RetrainConfigFile.Write(calibrated.Plan, calibrated.Result, calibrated.Config, Path.GetFileName(request.ModelPath), calibrated.Preprocessing));
        files.Commit();
        return [.. files.Paths];
    }
}
