using System.IO.Compression;
using System.Text.Json;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Graph.Caffe;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>
/// The Caffe LeNet of ../shared/data/caffe/lenet-mnist on the 10,000 MNIST test images: the converted
/// float model reaches the accuracy OpenCV measured (0.9914), and calibrating the train/test net on
/// the first 512 images — with the preprocessing its Data layer declares (scale 1/256) — gives a
/// fake-quant model within 0.3 points of float on the other 9,488.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class CaffeLeNetTests
{
    private const int CalibrationImages = 512;
    private const float MnistScale = 0.00390625f;

    private static byte[][] _images = [];
    private static byte[] _labels = [];
    private static string _output = "";

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void Calibrate(TestContext _)
    {
        _images = ReadIdx(RepoPaths.SharedData("mnist", "t10k-images-idx3-ubyte.gz"), 0x803, 28 * 28);
        _labels = ReadIdx(RepoPaths.SharedData("mnist", "t10k-labels-idx1-ubyte.gz"), 0x801, 1).Select(l => l[0]).ToArray();
        var calibrationSet = RepoPaths.NewTempDirectory();
        // Raw uint8 [1,28,28] tensors: calibration applies the model's value preprocessing to them.
        for (var i = 0; i < CalibrationImages; i++) NumpyFiles.Npy(Path.Combine(calibrationSet, $"{i:D5}.npy"), new NpyEntry("|u1", [1, 28, 28], _images[i]));
        _output = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(new CalibrationRequest
        {
            ModelPath = Lenet("lenet_train_test.prototxt"),
            WeightsPath = Lenet("lenet_iter_10000.caffemodel"),
            CalibrationSet = calibrationSet,
            BatchSize = 64,
            Overrides = new SettingOverrides { BatchNum = 8 },
            OutputDirectory = _output,
        });
    }

    [TestMethod]
    public void The_converted_deploy_net_reaches_the_documented_float_accuracy()
    {
        var model = CaffeImporter.Import(Lenet("lenet.prototxt"), Lenet("lenet_iter_10000.caffemodel")).Model;
        var accuracy = Accuracy(model, "prob", 0, _images.Length);
        TestContext.WriteLine($"float top-1 on 10,000: {accuracy:P2}");
        Assert.AreEqual(0.9914, accuracy, 0.00005);
    }

    [TestMethod]
    public void Calibration_used_the_data_layers_preprocessing()
    {
        var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, "lenet_train_test_record.json"))).RootElement.ToString();
        StringAssert.Contains(record, "model (Caffe transform_param)");
        StringAssert.Contains(record, "scale 0.00390625");
    }

    [TestMethod]
    public void The_fake_quant_model_is_within_03_points_of_float_on_the_other_images()
    {
        var float32 = CaffeImporter.Import(Lenet("lenet_train_test.prototxt"), Lenet("lenet_iter_10000.caffemodel")).Model;
        var reference = Accuracy(float32, "ip2", CalibrationImages, _images.Length);
        var fakeQuant = Accuracy(OnnxModelFile.Load(Path.Combine(_output, "lenet_train_test_fake_quant.onnx")), "ip2", CalibrationImages, _images.Length);
        var deploy = Accuracy(OnnxModelFile.Load(Path.Combine(_output, "lenet_train_test_deploy.onnx")), "ip2", CalibrationImages, _images.Length);
        TestContext.WriteLine($"on the 9,488 held-out images: float {reference:P2}, fake-quant {fakeQuant:P2}, deploy {deploy:P2}");
        Assert.IsTrue(Math.Abs(reference - fakeQuant) <= 0.003, $"fake-quant {fakeQuant:P2} vs float {reference:P2}");
    }

    private static string Lenet(string file) => RepoPaths.SharedData("caffe", "lenet-mnist", file);

    // Top-1 over images [from, to), fed as Caffe's Data layer does: pixel × 1/256.
    private static double Accuracy(Graph.Ir.OnnxModel model, string output, int from, int to)
    {
        using var runner = ModelRunner.Create(model);
        const int batch = 500;
        var correct = 0;
        for (var start = from; start < to; start += batch)
        {
            var count = Math.Min(batch, to - start);
            var data = new float[count * 28 * 28];
            for (var i = 0; i < count; i++)
                for (var p = 0; p < 28 * 28; p++) data[i * 784 + p] = _images[start + i][p] * MnistScale;
            using var result = runner.Run(runner.InputNames[0], data, [count, 1, 28, 28]);
            var scores = result.Floats(output);
            for (var i = 0; i < count; i++)
            {
                var row = scores.Slice(i * 10, 10);
                var best = 0;
                for (var k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
                if (best == _labels[start + i]) correct++;
            }
        }
        return (double)correct / (to - from);
    }

    // The IDX format (big-endian): magic, count, then for images rows and columns, then the bytes.
    private static byte[][] ReadIdx(string path, int magic, int itemSize)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        var bytes = memory.ToArray();
        int Int(int offset) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
        Assert.AreEqual(magic, Int(0), $"{path}: IDX magic");
        var count = Int(4);
        var start = magic == 0x803 ? 16 : 8;
        return Enumerable.Range(0, count).Select(i => bytes.AsSpan(start + i * itemSize, itemSize).ToArray()).ToArray();
    }
}
