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
    public void A_model_with_its_weights_in_a_data_file_beside_it_calibrates()
    {
        var (model, _) = SampleWithExternalWeight("weights.bin");

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", Images, "--batch-num", "1", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--output", RepoPaths.NewTempDirectory());

        Assert.AreEqual(0, result.ExitCode, result.Error);
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
