using System.Text.Json;
using Calib.Graph.Caffe.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Commands;

/// <summary>calib convert, and inspect and run on a Caffe prototxt with --weights; Caffe bad input through the CLI.</summary>
[TestClass]
public sealed class CaffeCommandTests
{
    // A small train/test net: a Data layer (TEST: scale 1/256, crop 8), Convolution, a transposed
    // InnerProduct (which AMCT does not quantize), and training-only layers.
    private const string Prototxt = """
        name: "tiny"
        layer {
          name: "data" type: "Data" top: "data" top: "label"
          include { phase: TEST }
          transform_param { scale: 0.00390625 crop_size: 8 }
          data_param { source: "examples/tiny/test_lmdb" batch_size: 4 }
        }
        layer {
          name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 2 kernel_size: 3 }
        }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer {
          name: "ip1" type: "InnerProduct" bottom: "conv1" top: "ip1"
          inner_product_param { num_output: 3 transpose: true }
        }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
        """;

    private static (string Prototxt, string Caffemodel) WriteNet(string? prototxt = null, bool withIpBlobs = true)
    {
        var dir = RepoPaths.NewTempDirectory();
        var random = new Random(3);
        BlobProto Blob(params long[] dims)
        {
            var blob = new BlobProto { Shape = new BlobShape() };
            blob.Shape.Dim.AddRange(dims);
            blob.Data.AddRange(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => (float)random.NextDouble() - 0.5f));
            return blob;
        }
        var trained = new NetParameter
        {
            Layer =
            {
                new LayerParameter { Name = "conv1", Type = "Convolution", Blobs = { Blob(2, 1, 3, 3), Blob(2) } },
                new LayerParameter { Name = "ip1", Type = "InnerProduct", Blobs = { withIpBlobs ? [Blob(72, 3), Blob(3)] : [] } },
            },
        };
        var paths = (Path.Combine(dir, "tiny.prototxt"), Path.Combine(dir, "tiny.caffemodel"));
        File.WriteAllText(paths.Item1, prototxt ?? Prototxt);
        File.WriteAllBytes(paths.Item2, trained.ToByteArray());
        return paths;
    }

    [TestMethod]
    public void Convert_writes_an_onnx_model_that_keeps_the_caffe_restrictions()
    {
        var (prototxt, caffemodel) = WriteNet();
        var onnx = Path.Combine(RepoPaths.NewTempDirectory(), "tiny.onnx");

        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", onnx);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "Input: data [batch,1,8,8] from the Data layer 'data'");
        StringAssert.Contains(result.Output, "Outputs: ip1");
        StringAssert.Contains(result.Output, "Not quantized (AMCT): ip1: InnerProduct transpose: true");
        Assert.IsTrue(File.Exists(onnx));

        var inspect = CliRunner.InProcess("inspect", "--model", onnx, "--json");
        Assert.AreEqual(0, inspect.ExitCode, inspect.Error);
        var layers = JsonDocument.Parse(inspect.Output).RootElement.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!);
        Assert.AreEqual("InnerProduct transpose: true", layers["ip1"].GetProperty("reason").GetString());
        Assert.IsTrue(layers["conv1"].GetProperty("quantizable").GetBoolean());
    }

    [TestMethod]
    public void Inspect_reads_a_prototxt_with_its_weights_and_shows_the_preprocessing()
    {
        var (prototxt, caffemodel) = WriteNet();
        var result = CliRunner.InProcess("inspect", "--model", prototxt, "--weights", caffemodel);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "(Caffe, converted to opset 13");
        StringAssert.Contains(result.Output, "Preprocessing (transform_param of data layer 'data'): center crop 8x8, scale 0.00390625");
        StringAssert.Contains(result.Output, "InnerProduct transpose: true");
    }

    [TestMethod]
    public void Run_calibrates_a_caffe_model_with_its_own_preprocessing()
    {
        var (prototxt, caffemodel) = WriteNet();
        var images = RepoPaths.NewTempDirectory();
        for (var i = 0; i < 4; i++) NumpyFiles.Npy(Path.Combine(images, $"{i}.npy"), new NpyEntry("|u1", [1, 8, 8], RandomBytes(64, seed: i)));
        var output = RepoPaths.NewTempDirectory();

        var result = CliRunner.InProcess("run", "--model", prototxt, "--weights", caffemodel, "--calib-set", images,
            "--batch-num", "2", "--batch-size", "2", "--output", output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "conv1");
        var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "tiny_record.json"))).RootElement;
        var text = record.ToString();
        StringAssert.Contains(text, "model (Caffe transform_param)");
        StringAssert.Contains(text, "scale 0.00390625");
        Assert.IsTrue(File.Exists(Path.Combine(output, "tiny_fake_quant.onnx")));
    }

    [TestMethod]
    public void A_prototxt_syntax_error_gives_file_line_and_column()
    {
        var (prototxt, caffemodel) = WriteNet(Prototxt.Replace("num_output: 2 kernel_size: 3", "num_output: 2 kernel_size: three"));
        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", Path.Combine(RepoPaths.NewTempDirectory(), "x.onnx"));
        UserErrors.AssertOneAndNothingElse(result, $"{prototxt}:10:50: ", "'three' is not an integer");
    }

    [TestMethod]
    public void A_caffemodel_without_a_layers_blobs_names_the_layer()
    {
        var (prototxt, caffemodel) = WriteNet(withIpBlobs: false);
        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", Path.Combine(RepoPaths.NewTempDirectory(), "x.onnx"));
        UserErrors.AssertOneAndNothingElse(result, "Layer 'ip1' (InnerProduct)", "holds no blobs");
    }

    [TestMethod]
    public void An_unsupported_layer_names_the_layer_and_type_also_as_a_real_process()
    {
        var (prototxt, caffemodel) = WriteNet(Prototxt.Replace("type: \"ReLU\"", "type: \"Threshold\""));
        var result = CliRunner.AsProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", Path.Combine(RepoPaths.NewTempDirectory(), "x.onnx"));
        UserErrors.AssertOneAndNothingElse(result, "layer 'relu1' has type 'Threshold'", "cannot import");
    }

    [TestMethod]
    public void A_prototxt_without_weights_asks_for_them()
    {
        var (prototxt, _) = WriteNet();
        UserErrors.AssertOneAndNothingElse(CliRunner.InProcess("inspect", "--model", prototxt), prototxt, "--weights");
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
