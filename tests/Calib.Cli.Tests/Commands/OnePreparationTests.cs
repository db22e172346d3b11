using Calib.Graph.Caffe.Proto;
using Calib.Graph.Passes;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Commands;

/// <summary>
/// Every command loads and prepares its model once: a Caffe conversion note prints once, also with
/// --eval-set, and the preparation count is one.
/// </summary>
[TestClass]
public sealed class OnePreparationTests
{
    // A train/test net whose BatchNorm asks for batch statistics: the importer warns about it.
    private const string Prototxt = """
        name: "tiny_bn"
        layer {
          name: "data" type: "Data" top: "data" top: "label"
          include { phase: TEST }
          transform_param { scale: 0.00390625 crop_size: 8 }
          data_param { source: "examples/tiny/test_lmdb" batch_size: 4 }
        }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 3 } }
        layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { use_global_stats: false } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
        layer { name: "ip1" type: "InnerProduct" bottom: "conv1" top: "ip1" inner_product_param { num_output: 10 } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip1" bottom: "label" top: "loss" }
        """;

    private const string Warning = "BatchNorm layer ('bn1') sets use_global_stats: false";

    private static (string Prototxt, string Caffemodel) WriteNet()
    {
        var dir = RepoPaths.NewTempDirectory();
        var random = new Random(5);
        BlobProto Blob(float? constant, params long[] dims)
        {
            var blob = new BlobProto { Shape = new BlobShape() };
            blob.Shape.Dim.AddRange(dims);
            blob.Data.AddRange(Enumerable.Range(0, (int)dims.Aggregate(1L, (a, d) => a * d)).Select(_ => constant ?? (float)random.NextDouble() - 0.5f));
            return blob;
        }
        var trained = new NetParameter
        {
            Layer =
            {
                new LayerParameter { Name = "conv1", Type = "Convolution", Blobs = { Blob(null, 2, 1, 3, 3), Blob(null, 2) } },
                new LayerParameter { Name = "bn1", Type = "BatchNorm", Blobs = { Blob(0.1f, 2), Blob(2f, 2), Blob(1f, 1) } },
                new LayerParameter { Name = "ip1", Type = "InnerProduct", Blobs = { Blob(null, 10, 72), Blob(null, 10) } },
            },
        };
        var paths = (Path.Combine(dir, "tiny_bn.prototxt"), Path.Combine(dir, "tiny_bn.caffemodel"));
        File.WriteAllText(paths.Item1, Prototxt);
        File.WriteAllBytes(paths.Item2, trained.ToByteArray());
        return paths;
    }

    public static IEnumerable<object[]> Commands()
    {
        var calib = RepoPaths.InRepo("calibration-data", "fmnist");
        var eval = RepoPaths.InRepo("calibration-data", "fmnist-eval");
        yield return ["inspect", Array.Empty<string>()];
        yield return ["config init", new[] { "-o", "{out}/config.json" }];
        yield return ["run", new[] { "--calib-set", calib, "--batch-num", "1", "--batch-size", "8", "-o", "{out}" }];
        yield return ["run", new[] { "--calib-set", calib, "--batch-num", "1", "--batch-size", "8", "-o", "{out}", "--eval-set", eval, "--limit", "40", "--layer-samples", "8" }];
        yield return ["retrain export", new[] { "--calib-set", calib, "--batch-num", "1", "--batch-size", "8", "-o", "{out}" }];
        yield return ["ristretto quantize", new[] { "--eval-set", eval, "--iterations", "1", "--batch-size", "8", "--trimming-mode", "dynamic_fixed_point", "--model-quantized", "{out}/tiny_q.prototxt" }];
    }

    [TestMethod]
    [DynamicData(nameof(Commands))]
    public void A_command_prepares_once_and_warns_once(string command, string[] rest)
    {
        var (prototxt, caffemodel) = WriteNet();
        var output = RepoPaths.NewTempDirectory();
        string[] args = [.. command.Split(' '), "--model", prototxt, "--weights", caffemodel, .. rest.Select(a => a.Replace("{out}", output))];

        using var preparations = GraphPreparation.Count();
        var outcome = CliRunner.InProcess(args);

        Assert.AreEqual(0, outcome.ExitCode, outcome.Error + outcome.Output);
        Assert.AreEqual(1, preparations.Runs, $"calib {command} prepared the model {preparations.Runs} times");
        var printed = (outcome.Output + outcome.Error).Split(Warning).Length - 1;
        Assert.AreEqual(1, printed, $"calib {command} printed the conversion warning {printed} times:\n{outcome.Error}");
    }
}
