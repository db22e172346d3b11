using System.Text.Json;
using Calib.Algorithms.Data;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>
/// The preprocessing trap (issue 15): outputs record the preprocessing they were calibrated with, later
/// commands use it when no flag is given, and a run on raw pixels says so.
/// </summary>
[TestClass]
public sealed class RecordedPreprocessingTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string EvalImages = RepoPaths.InRepo("calibration-data", "fmnist-eval");
    private static readonly string[] Normalization = ["--mean", "0.2860", "--std", "0.3530"];
    private static readonly Preprocessing Expected = new() { Mean = [0.2860f], Std = [0.3530f] };
    private static string _calibrated = "";

    [ClassInitialize]
    public static void Calibrate(TestContext _)
    {
        _calibrated = RepoPaths.NewTempDirectory();
        var result = CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "16", .. Normalization, "--output", _calibrated]);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.AreEqual("", result.Error, "flags given: no warning");
    }

    private static string Output(string suffix) => Path.Combine(_calibrated, "fmnist_resnet" + suffix);

    [TestMethod]
    public void Both_output_models_and_the_record_carry_the_preprocessing_used()
    {
        Assert.AreEqual(Expected, PreprocessingMetadata.Read(Output("_fake_quant.onnx")));
        Assert.AreEqual(Expected, PreprocessingMetadata.Read(Output("_deploy.onnx")));
        using var record = JsonDocument.Parse(File.ReadAllText(Output("_record.json")));
        Assert.AreEqual(Expected, record.RootElement.GetProperty("preprocessing").Deserialize<Preprocessing>());
        Assert.AreEqual("flags", record.RootElement.GetProperty("preprocessing_source").GetString());
    }

    [TestMethod]
    public void Eval_without_flags_on_the_outputs_gives_the_top1_of_eval_with_the_flags()
    {
        var withFlags = Top1(["--model", SampleModel, "--quantized", Output("_fake_quant.onnx"), .. Normalization]);
        var withoutFlags = Top1(["--model", SampleModel, "--quantized", Output("_fake_quant.onnx")]);
        var rawPixels = Top1(["--model", SampleModel, "--quantized", Output("_fake_quant.onnx"), "--preprocess", "none"]);

        Assert.AreEqual(withFlags, withoutFlags);
        Assert.AreNotEqual(withFlags.Float, rawPixels.Float, "the sample is trained on normalized input: raw pixels must score differently");
    }

    [TestMethod]
    public void Eval_of_deploy_against_fake_quant_without_flags_uses_their_record()
    {
        var withFlags = Top1(["--model", Output("_fake_quant.onnx"), "--quantized", Output("_deploy.onnx"), .. Normalization]);
        var withoutFlags = Top1(["--model", Output("_fake_quant.onnx"), "--quantized", Output("_deploy.onnx")]);

        Assert.AreEqual(withFlags, withoutFlags);
    }

    [TestMethod]
    public void Run_on_images_without_any_preprocessing_warns_once_with_the_input_range()
    {
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            "--output", RepoPaths.NewTempDirectory());

        Assert.AreEqual(0, result.ExitCode, result.Error);
        var lines = result.Error.Trim().Split('\n');
        Assert.HasCount(1, lines, result.Error);
        StringAssert.StartsWith(lines[0], $"calib: warning: '{SampleModel}': no preprocessing was given and the model input ranges over [0, 255]");
        StringAssert.Contains(lines[0], "--preprocess (mnist, imagenet, caffe)");
    }

    [TestMethod]
    public void Run_with_preprocess_none_or_on_a_model_that_records_its_preprocessing_does_not_warn()
    {
        var none = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            "--preprocess", "none", "--output", RepoPaths.NewTempDirectory());
        Assert.AreEqual(0, none.ExitCode, none.Error);
        Assert.AreEqual("", none.Error);

        // A model that records its preprocessing (as calib's outputs do) is calibrated with it when no flag is given.
        var directory = RepoPaths.NewTempDirectory();
        var model = Calib.Graph.Onnx.OnnxModelFile.Load(SampleModel);
        PreprocessingMetadata.Stamp(model, Expected);
        var stamped = Path.Combine(directory, "stamped.onnx");
        Calib.Graph.Onnx.OnnxModelFile.Save(model, stamped);
        var output = Path.Combine(directory, "out");
        var recorded = CliRunner.InProcess("run", "--model", stamped, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8", "--output", output);

        Assert.AreEqual(0, recorded.ExitCode, recorded.Error);
        Assert.AreEqual("", recorded.Error);
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "stamped_record.json")));
        Assert.AreEqual(Expected, record.RootElement.GetProperty("preprocessing").Deserialize<Preprocessing>());
        Assert.AreEqual("model (calib.input_preprocessing metadata)", record.RootElement.GetProperty("preprocessing_source").GetString());
    }

    [TestMethod]
    public void Retrain_export_records_the_preprocessing_and_import_uses_it_without_flags()
    {
        var directory = RepoPaths.NewTempDirectory();
        var export = CliRunner.InProcess(["retrain", "export", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            .. Normalization, "-o", directory]);
        Assert.AreEqual(0, export.ExitCode, export.Error);
        var retrainModel = Path.Combine(directory, "fmnist_resnet_retrain.onnx");
        Assert.AreEqual(Expected, PreprocessingMetadata.Read(retrainModel));

        // No --ranges: the tensors the fine-tuned model leaves unquantized are measured on images, preprocessed as recorded.
        var imported = Path.Combine(directory, "imported");
        var import = CliRunner.InProcess("retrain", "import", "--model", retrainModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            "-o", imported);

        Assert.AreEqual(0, import.ExitCode, import.Error);
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(imported, "fmnist_resnet_retrain_record.json")));
        Assert.AreEqual(Expected, record.RootElement.GetProperty("preprocessing").Deserialize<Preprocessing>());
        Assert.AreEqual("model (calib.input_preprocessing metadata)", record.RootElement.GetProperty("preprocessing_source").GetString());
        Assert.AreEqual(Expected, PreprocessingMetadata.Read(Path.Combine(imported, "fmnist_resnet_retrain_deploy.onnx")));
    }

    private static (double Float, double Quantized) Top1(string[] models)
    {
        var report = Path.Combine(RepoPaths.NewTempDirectory(), "acc.csv");
        var result = CliRunner.InProcess(["eval", .. models, "--eval-set", EvalImages, "--limit", "200", "--layer-samples", "8", "--report", report]);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(report, ".json")));
        return (json.RootElement.GetProperty("float").GetProperty("top1").GetDouble(), json.RootElement.GetProperty("quantized").GetProperty("top1").GetDouble());
    }
}
