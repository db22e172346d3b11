using System.Text;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Hardening;

/// <summary>The crashes the fuzz test found, each reduced to the edit that caused it: now exit 1 with one clear line.</summary>
[TestClass]
public sealed class FuzzRegressionTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    [TestMethod]
    public void A_batch_norm_without_its_parameters_is_a_malformed_model()
    {
        var path = EditSample(model => model.Graph.Node.First(n => n.OpType == "BatchNormalization").Input.RemoveAt(4));

        UserErrors.AssertOne(CliRunner.InProcess("config", "init", "--model", path, "-o", OutputFile()), path, "(BatchNormalization) has inputs", "takes 5");
    }

    [TestMethod]
    public void A_node_reading_a_tensor_nothing_defines_is_a_malformed_model()
    {
        var path = EditSample(model => model.Graph.Node.First(n => n.OpType == "Conv").Input[0] = "missing_tensor");

        UserErrors.AssertOne(CliRunner.InProcess("config", "init", "--model", path, "-o", OutputFile()), path, "reads tensor 'missing_tensor'", "no graph input, initializer or node output");
    }

    [TestMethod]
    public void Batch_norm_parameters_of_different_lengths_are_refused()
    {
        var path = EditSample(model =>
        {
            var bn = model.Graph.Node.First(n => n.OpType == "BatchNormalization");
            var variance = model.Graph.Initializer.First(t => t.Name == bn.Input[4]);
            var shorter = variance.Clone();
            shorter.Name = "short_variance";
            shorter.Dims[0] -= 1;
            if (shorter.RawData.Length > 0) shorter.RawData = ByteString.CopyFrom(shorter.RawData.Span[..^4]);
            else shorter.FloatData.RemoveAt(0);
            model.Graph.Initializer.Add(shorter);
            bn.Input[4] = "short_variance";
        });

        UserErrors.AssertOne(CliRunner.InProcess("config", "init", "--model", path, "-o", OutputFile()), "BatchNormalization '/bn1/BatchNormalization'", "they need one per channel each");
    }

    [TestMethod]
    public void A_conv_weight_whose_dims_contradict_its_data_is_refused_when_folding()
    {
        var path = EditSample(model =>
        {
            var conv = model.Graph.Node.First(n => n.OpType == "Conv");
            model.Graph.Initializer.First(t => t.Name == conv.Input[1]).Dims[1] = 0;
        });

        UserErrors.AssertOne(CliRunner.InProcess("config", "init", "--model", path, "-o", OutputFile()), "Conv '/conv1/Conv'", "does not fit");
    }

    [TestMethod]
    public void A_caffe_layer_whose_output_would_be_enormous_is_refused()
    {
        var folder = RepoPaths.NewTempDirectory();
        var prototxt = Path.Combine(folder, "net.prototxt");
        File.WriteAllText(prototxt, FuzzSeeds.Prototxt.Replace("pad: 1", "pad: 0x7fffffff"));
        var caffemodel = Path.Combine(folder, "net.caffemodel");
        File.WriteAllBytes(caffemodel, FuzzSeeds.Caffemodel());

        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", Path.Combine(folder, "net.onnx"));

        UserErrors.AssertOne(result, "Layer 'conv1' (Convolution)", "is too large: check the layer's parameters");
    }

    [TestMethod]
    public void An_error_quoting_a_file_with_line_breaks_stays_one_line()
    {
        var folder = RepoPaths.NewTempDirectory();
        var samples = Path.Combine(folder, "samples");
        Directory.CreateDirectory(samples);
        var npy = FuzzSeeds.Npy();
        var broken = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(npy).Replace("'fortran_order'", "'fortran\n\u0001rder'"));
        File.WriteAllBytes(Path.Combine(samples, "x.npy"), broken);
        var model = Path.Combine(folder, "tiny.onnx");
        File.WriteAllBytes(model, FuzzSeeds.TinyOnnx());

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", samples, "--batch-num", "1", "--batch-size", "1", "-o", Path.Combine(folder, "out"));

        UserErrors.AssertOne(result, "x.npy", "without a readable 'fortran_order' entry", "\\x01rder");
    }

    private static string EditSample(Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(SampleModel));
        edit(model);
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "edited.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static string OutputFile() => Path.Combine(RepoPaths.NewTempDirectory(), "quant.json");
}
