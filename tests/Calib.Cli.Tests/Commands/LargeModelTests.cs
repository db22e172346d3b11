using System.Diagnostics;
using System.Runtime.InteropServices;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Cli.Tests.Commands;

/// <summary>
/// A model just over 2 GiB (two MatMuls with constant-filled [16400, 16400] float weights, 1.08 GB each),
/// built here and saved with external data: <c>calib run</c> calibrates it and writes both models with
/// their data files, which ONNX Runtime opens by path and python3-onnx's checker accepts.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class LargeModelTests
{
    private const int Width = 16_400;

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void A_model_over_2_GiB_calibrates_and_round_trips_with_external_data()
    {
        var root = RepoPaths.NewTempDirectory();
        try
        {
            var model = WriteModel(root);
            var data = WriteInputs(Path.Combine(root, "calib"), 2);
            var output = Path.Combine(root, "out");
            var clock = Stopwatch.StartNew();

            var result = CliRunner.InProcess("run", "--model", model, "--data-dir", data, "--input-shape", $"x:1,{Width}", "--data-types", "float32",
                "--batch-num", "1", "--batch-size", "2", "--no-speed", "--no-fidelity", "--output", output);

            Console.WriteLine($"calib run: {clock.Elapsed.TotalSeconds:F1} s; test process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
            Assert.AreEqual(0, result.ExitCode, result.Error);
            var input = Input(7);
            var expected = Run(model, input);
            foreach (var name in new[] { "big_fake_quant.onnx", "big_deploy.onnx" })
            {
                var path = Path.Combine(output, name);
                Assert.IsTrue(new FileInfo(path + ".data").Length >= (name.Contains("deploy") ? 2L * Width * Width : 2L * Width * Width * sizeof(float)), name);
                var actual = Run(path, input);
                var cosine = Similarity.Cosine(expected, actual);
                Assert.IsTrue(cosine >= 0.99, $"{name}: cosine {cosine}");
                Assert.IsNull(OnnxChecker.CheckPath(path), name);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // x[1, Width] → MatMul w1 → Relu → MatMul w2 → y; weights constant-filled, so the model is cheap to make.
    private static string WriteModel(string root)
    {
        var graph = new ModelGraph("big");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", Width));
        graph.AddInitializer("w1", Constant("w1", 1e-3f));
        graph.AddInitializer("w2", Constant("w2", 2e-3f));
        graph.AddNode("MatMul", "matmul1", ["x", "w1"], ["h"]);
        graph.AddNode("Relu", "relu", ["h"], ["r"]);
        graph.AddNode("MatMul", "matmul2", ["r", "w2"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", Width));
        var path = Path.Combine(root, "big.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        Assert.IsTrue(new FileInfo(path + ".data").Length > int.MaxValue, "the model is over 2 GiB");
        Assert.IsNull(OnnxChecker.CheckPath(path), "the input model");
        return path;
    }

    // Made over one array, without the copies TensorData.FromFloats would make of a gigabyte.
    private static TensorProto Constant(string name, float value)
    {
        var bytes = new byte[(long)Width * Width * sizeof(float)];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan()).Fill(value);
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
        tensor.Dims.AddRange([Width, Width]);
        return tensor;
    }

    private static string WriteInputs(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
            File.WriteAllBytes(Path.Combine(folder, $"{i:D3}.bin"), MemoryMarshal.AsBytes(Input(i).AsSpan()).ToArray());
        return folder;
    }

    private static float[] Input(int seed)
    {
        var random = new Random(seed);
        // Positive, so the first layer's output passes the Relu and the output is not all zeros.
        return [.. Enumerable.Range(0, Width).Select(_ => (float)random.NextDouble())];
    }

    private static float[] Run(string model, float[] input)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, Width]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [value], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
