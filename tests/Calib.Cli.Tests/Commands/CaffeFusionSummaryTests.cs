using Calib.Graph.Caffe.Proto;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Commands;

/// <summary>convert, inspect and run summarize BatchNorm + Scale pairs in one line; inspect lists them.</summary>
[TestClass]
public sealed class CaffeFusionSummaryTests
{
    private const int Pairs = 6;

    // A convolution, then Pairs BatchNorm (use_global_stats: false) + Scale pairs, on a 1×2×4×4 input.
    private static (string Prototxt, string Caffemodel) WriteNet()
    {
        var prototxt = new System.Text.StringBuilder("""
            name: "bn_chain"
            input: "data"
            input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
            layer { name: "conv" type: "Convolution" bottom: "data" top: "x" convolution_param { num_output: 2 kernel_size: 1 } }

            """);
        var trained = new NetParameter { Layer = { new LayerParameter { Name = "conv", Type = "Convolution", Blobs = { Blob([2, 2, 1, 1], 0.5f), Blob([2], 0.1f) } } } };
        for (var i = 0; i < Pairs; i++)
        {
            prototxt.AppendLine($$"""layer { name: "bn{{i}}" type: "BatchNorm" bottom: "x" top: "x" batch_norm_param { use_global_stats: false } }""");
            prototxt.AppendLine($$"""layer { name: "scale{{i}}" type: "Scale" bottom: "x" top: "x" scale_param { bias_term: true } }""");
            trained.Layer.Add(new LayerParameter { Name = $"bn{i}", Type = "BatchNorm", Blobs = { Blob([2], 0.1f), Blob([2], 1f), Blob([1], 1f) } });
            trained.Layer.Add(new LayerParameter { Name = $"scale{i}", Type = "Scale", Blobs = { Blob([2], 1f), Blob([2], 0f) } });
        }
        var dir = RepoPaths.NewTempDirectory();
        var paths = (Path.Combine(dir, "bn_chain.prototxt"), Path.Combine(dir, "bn_chain.caffemodel"));
        File.WriteAllText(paths.Item1, prototxt.ToString());
        File.WriteAllBytes(paths.Item2, trained.ToByteArray());
        return paths;
    }

    private static BlobProto Blob(long[] dims, float value)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        blob.Shape.Dim.AddRange(dims);
        blob.Data.AddRange(Enumerable.Repeat(value, (int)dims.Aggregate(1L, (a, d) => a * d)));
        return blob;
    }

    [TestMethod]
    public void Convert_prints_one_line_per_kind_of_notice_and_writes_no_unused_initializer()
    {
        var (prototxt, caffemodel) = WriteNet();
        var onnx = Path.Combine(RepoPaths.NewTempDirectory(), "bn_chain.onnx");

        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", onnx);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.AreEqual(1, result.Output.Split('\n').Count(l => l.Contains("Scale", StringComparison.Ordinal)), result.Output);
        StringAssert.Contains(result.Output, $"Joined {Pairs} Scale layers into the BatchNorm before each");
        Assert.HasCount(1, result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), result.Error);
        StringAssert.Contains(result.Error, $"{Pairs} BatchNorm layers");
        Assert.IsEmpty(WrittenModels.UnusedInitializers(OnnxModelFile.Load(onnx)));
    }

    [TestMethod]
    public void Inspect_lists_the_pairs_and_warns_once()
    {
        var (prototxt, caffemodel) = WriteNet();

        var result = CliRunner.InProcess("inspect", "--model", prototxt, "--weights", caffemodel);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, $"Scale layers joined into their BatchNorm ({Pairs}): scale0 ← bn0, scale1 ← bn1");
        Assert.HasCount(1, result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), result.Error);
    }
}
