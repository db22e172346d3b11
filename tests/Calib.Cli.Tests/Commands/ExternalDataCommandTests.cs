using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Commands;

/// <summary>A model whose external data points outside its folder is refused by the commands with one line, and nothing is written.</summary>
[TestClass]
public sealed class ExternalDataCommandTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");

    [TestMethod]
    [DataRow("/etc/passwd", "an absolute path")]
    [DataRow("../../../../etc/passwd", "which leaves the model's folder through '..'")]
    public void Run_refuses_a_location_outside_the_model_folder_and_writes_nothing(string location, string why)
    {
        var (model, weight) = SampleWithExternalWeight(location);
        var output = Path.Combine(RepoPaths.NewTempDirectory(), "out");

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", Images, "--batch-num", "1", "--mean", "0.2860", "--std", "0.3530", "--output", output);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        Assert.HasCount(1, result.Error.Trim().Split('\n'), result.Error);
        StringAssert.StartsWith(result.Error, $"calib: error: '{model}': tensor '{weight}' keeps its data at '{location}', {why}");
        Assert.IsFalse(Directory.Exists(output), "nothing is written");
    }

    [TestMethod]
    public void Inspect_refuses_a_symbolic_link_leading_out_of_the_model_folder()
    {
        var (model, weight) = SampleWithExternalWeight("weights.bin");
        var data = Path.Combine(Path.GetDirectoryName(model)!, "weights.bin");
        File.Delete(data);
        File.CreateSymbolicLink(data, "/etc/passwd");

        var result = CliRunner.InProcess("inspect", "--model", model);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        StringAssert.StartsWith(result.Error, $"calib: error: '{model}': tensor '{weight}' keeps its data at 'weights.bin', a symbolic link to '/etc/passwd', outside the model's folder");
    }

    [TestMethod]
    public void A_model_with_its_weights_in_a_data_file_beside_it_calibrates_and_its_outputs_keep_data_files()
    {
        var (model, _) = SampleWithExternalWeight("weights.bin");
        var output = RepoPaths.NewTempDirectory();

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", Images, "--batch-num", "1", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--no-speed", "--output", output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        foreach (var name in new[] { "fmnist_resnet_fake_quant.onnx", "fmnist_resnet_deploy.onnx" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(output, name + ".data")), $"{name} is written with external data, as its source was");
            StringAssert.Contains(result.Output, Path.Combine(output, name + ".data"), "the data file is listed with the others");
        }
    }

    [TestMethod]
    public void Run_above_the_single_file_limit_writes_each_model_with_its_data_file_and_they_compute_what_one_file_models_compute()
    {
        var split = Path.Combine(RepoPaths.NewTempDirectory(), "split");
        var whole = Path.Combine(RepoPaths.NewTempDirectory(), "whole");
        CliRunner.Outcome result;
        // Lowered so that the 440 KiB sample stands for a model above 2 GiB: sessions, sizes and files all take the large-model path.
        using (OnnxModelFile.LowerSingleFileLimit(32 * 1024)) result = Run(split);
        var reference = Run(whole);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.AreEqual(0, reference.ExitCode, reference.Error);
        foreach (var name in new[] { "fmnist_resnet_fake_quant.onnx", "fmnist_resnet_deploy.onnx" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(split, name + ".data")), name);
            Assert.IsFalse(File.Exists(Path.Combine(whole, name + ".data")), name);
            CollectionAssert.AreEqual(Outputs(Path.Combine(whole, name)), Outputs(Path.Combine(split, name)), $"{name} read by ONNX Runtime from its path");
        }
        // The deploy model's size counts its data file.
        using var speed = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(split, "fmnist_resnet_speed.json")));
        var deploy = Path.Combine(split, "fmnist_resnet_deploy.onnx");
        Assert.AreEqual(new FileInfo(deploy).Length + new FileInfo(deploy + ".data").Length, speed.RootElement.GetProperty("deploy_bytes").GetInt64());
        // The float model as it would be written, in two files: its bytes, and up to 4 KiB of alignment per tensor.
        var floatBytes = speed.RootElement.GetProperty("float_bytes").GetInt64();
        var tensors = OnnxModelFile.Load(SampleModel).Graph.Initializers.Count;
        Assert.IsTrue(floatBytes > new FileInfo(SampleModel).Length && floatBytes < new FileInfo(SampleModel).Length + 4096L * tensors, $"{floatBytes}");
    }

    private static CliRunner.Outcome Run(string output) =>
        CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "1", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--output", output);

    // The model's first output on a fixed input, from a plain ONNX Runtime session opened by path.
    private static float[] Outputs(string model)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model);
        var input = session.InputMetadata.Single();
        var shape = input.Value.Dimensions.Select(d => d < 0 ? 2L : d).ToArray();
        var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(values, shape);
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(runOptions, [input.Key], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    // The sample with its largest initializer moved to <folder>/weights.bin and referenced as location.
    private static (string Model, string Weight) SampleWithExternalWeight(string location)
    {
        var dir = RepoPaths.NewTempDirectory();
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(SampleModel));
        var weight = proto.Graph.Initializer.MaxBy(t => t.RawData.Length)!;
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), weight.RawData.ToByteArray());
        weight.RawData = ByteString.Empty;
        weight.DataLocation = TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        var path = Path.Combine(dir, "fmnist_resnet.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return (path, weight.Name);
    }
}
