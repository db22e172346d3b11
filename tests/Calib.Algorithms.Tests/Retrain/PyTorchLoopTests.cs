using System.Diagnostics;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Retrain;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Retrain;

/// <summary>
/// The QAT hand-off end to end with Debian's python3-torch: calib's export, the documented example
/// script fine-tuning briefly, calib's import; and a model from PyTorch's own prepare_qat flow.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class PyTorchLoopTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Export_fine_tune_import_keeps_learned_scales_and_accuracy()
    {
        var directory = RepoPaths.NewTempDirectory();
        RetrainExport.Execute(SampleRuns.Request(directory));
        var finetuned = Path.Combine(directory, "fmnist_resnet_qat.onnx");
        Python(RepoPaths.InRepo("examples", "retrain", "qat_finetune.py"),
            "--onnx", SampleRuns.SampleModel, "--config", Path.Combine(directory, "fmnist_resnet_retrain_config.json"),
            "--epochs", "1", "--max-steps", "150", "--lr", "1e-5", "--output", finetuned);

        var imported = Path.Combine(directory, "imported");
        var outcome = RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = finetuned, OutputDirectory = imported, CalibrationSet = SampleRuns.CalibrationImages,
            BatchSize = 32, Preprocessing = SampleRuns.FashionMnist,
        });

        var qdq = OnnxModelFile.Load(finetuned).Graph;
        var learned = qdq.Nodes.Where(n => n.OpType == "QuantizeLinear")
            .ToDictionary(n => n.Inputs[0], n => TensorData.ReadFloats(qdq.ConstantValue(n.Inputs[1])!));
        Assert.AreEqual(7, outcome.Result.Layers.Count, "every layer, the average pooling included, came back quantized");
        foreach (var layer in outcome.Result.Layers)
            Assert.AreEqual(learned[layer.Layer.Input][0], layer.Input.Params.Scale, $"{layer.Layer.Name}: scale_d bit for bit");
        var ptqDirectory = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(SampleRuns.Request(ptqDirectory));
        var ptq = SampleRuns.Top1(Path.Combine(ptqDirectory, "fmnist_resnet_deploy.onnx"), SampleRuns.EvalImages);
        var qat = SampleRuns.Top1(Path.Combine(imported, "fmnist_resnet_qat_deploy.onnx"), SampleRuns.EvalImages);
        Assert.IsTrue(qat >= ptq - 0.2, $"QAT deploy {qat} vs PTQ deploy {ptq}");

        // Without images: PyTorch renamed the folded and wrapped layers' tensors, the export's ranges still fit by layer.
        var fromRanges = Path.Combine(directory, "from-ranges");
        RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = finetuned, OutputDirectory = fromRanges, RangesPath = Path.Combine(directory, "fmnist_resnet_retrain_config.json"),
        });
        var qatFromRanges = SampleRuns.Top1(Path.Combine(fromRanges, "fmnist_resnet_qat_deploy.onnx"), SampleRuns.EvalImages);
        Assert.AreEqual(qat, qatFromRanges, 0.3, "--ranges deploy vs --calib-set deploy top-1");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void A_model_from_pytorchs_own_qat_flow_imports_without_calibs_export()
    {
        var directory = RepoPaths.NewTempDirectory();
        var model = Path.Combine(directory, "torch_qat.onnx");
        Python(RepoPaths.InRepo("tests", "retrain", "make_torch_qat_model.py"), model);

        var outcome = RetrainImport.Execute(new RetrainImportRequest
        {
            ModelPath = model, OutputDirectory = Path.Combine(directory, "out"), CalibrationSet = SampleRuns.CalibrationImages,
            BatchSize = 16, BatchNum = 2, Preprocessing = SampleRuns.FashionMnist,
        });

        CollectionAssert.AreEquivalent(new[] { "/conv1/Conv", "/conv2/Conv", "/pool/AveragePool", "/fc/Gemm" },
            outcome.Result.Layers.Select(l => l.Layer.Name).ToList());
        Assert.IsNull(OnnxChecker.Check(Path.Combine(directory, "out", "torch_qat_deploy.onnx")));
    }

    private static void Python(string script, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"{Path.GetFileName(script)} failed:\n{output.Result}\n{error.Result}");
    }
}
