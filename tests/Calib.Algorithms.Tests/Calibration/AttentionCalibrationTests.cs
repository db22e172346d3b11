using Calib.Algorithms.Configuration;
using Calib.Algorithms.Tests.Data;
using Calib.Algorithms.Workflows;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Quantization;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>
/// One self-attention head built in code (projections with an Add bias, Kᵀ by Transpose, Q·Kᵀ, Softmax,
/// probabilities·V, an output projection): both MatMuls of two activations are calibrated with a range for
/// each input, fake-quantized on both inputs, carried in 8 bits by the deploy model, and written to the
/// record and CSV; the fake-quant model follows the float one (plain ONNX Runtime session).
/// </summary>
[TestClass]
public sealed class AttentionCalibrationTests
{
    private const int Seq = 4;
    private const int Width = 8;
    private const int Samples = 16;

    private static string _model = "";
    private static string _output = "";
    private static CalibrationOutcome _outcome = null!;

    [ClassInitialize]
    public static void CalibrateOnce(TestContext _)
    {
        _model = AttentionModel();
        var data = RepoPaths.NewTempDirectory();
        for (var i = 0; i < Samples; i++)
            NumpyFiles.Npz(Path.Combine(data, $"{i:D2}.npz"), ("x", NpyEntry.Floats([1, Seq, Width], Input(i))));
        _output = RepoPaths.NewTempDirectory();
        _outcome = CalibrationRun.Execute(new CalibrationRequest
        {
            ModelPath = _model,
            CalibrationSet = data,
            BatchSize = 4,
            Overrides = new SettingOverrides { BatchNum = 4 },
            OutputDirectory = _output,
        });
    }

    [TestMethod]
    public void Both_products_of_activations_are_quantized_with_a_range_for_each_input()
    {
        Assert.AreEqual(6, _outcome.Result.Layers.Count, "4 projections and 2 products of activations");
        var scores = _outcome.Result.Layers.Single(l => l.Layer.Name == "scores");
        var attended = _outcome.Result.Layers.Single(l => l.Layer.Name == "attended");
        Assert.AreEqual(("q", "kt"), (scores.Input.Tensor, scores.SecondInput!.Tensor));
        Assert.AreEqual(("probs", "v"), (attended.Input.Tensor, attended.SecondInput!.Tensor));
        Assert.IsNull(scores.Weights);
        Assert.IsTrue(attended.Input.Clip.Min == 0 && attended.Input.Clip.Max <= 1, $"softmax probabilities: {attended.Input.Clip}");
        Assert.IsTrue(scores.SecondInput.Params.Scale > 0 && scores.SecondInput.Clip.Min < 0, "Kᵀ is signed: uint8 with a zero point");
    }

    [TestMethod]
    public void The_fake_quant_model_reads_both_inputs_through_their_own_quantize_dequantize_pairs()
    {
        var graph = OnnxModelFile.Load(Output("fake_quant.onnx")).Graph;
        foreach (var layer in _outcome.Result.Layers.Where(l => l.SecondInput is not null))
        {
            var node = graph.Nodes.Single(n => n.Name == layer.Layer.Name);
            for (var i = 0; i < 2; i++)
            {
                var dq = graph.ProducerOf(node.Inputs[i])!;
                Assert.AreEqual("DequantizeLinear", dq.OpType, $"{node.Name} input {i}");
                Assert.AreEqual("QuantizeLinear", graph.ProducerOf(dq.Inputs[0])!.OpType);
                Assert.AreEqual(layer.Activations[i].Params.Scale, TensorData.ReadFloats(graph.Initializers[dq.Inputs[1]])[0], $"{node.Name} input {i} scale");
                Assert.AreEqual(layer.Activations[i].Tensor, graph.ProducerOf(dq.Inputs[0])!.Inputs[0]);
            }
        }
    }

    [TestMethod]
    public void Onnx_runtime_runs_the_deploy_model_products_of_activations_as_integer_matmuls()
    {
        var ops = OptimizedGraph.Of(Output("deploy.onnx")).Nodes.Select(n => n.OpType).ToList();
        Assert.AreEqual(0, ops.Count(o => o == "MatMul"), $"no float MatMul left: {string.Join(", ", ops)}");
        Assert.AreEqual(6, ops.Count(o => o is "QLinearMatMul" or "MatMulIntegerToFloat"), string.Join(", ", ops));
    }

    [TestMethod]
    public void The_projection_bias_adds_read_their_constant_in_8_bits_and_run_as_integer_adds()
    {
        var deploy = OnnxModelFile.Load(Output("deploy.onnx")).Graph;
        foreach (var name in new[] { "q_bias", "k_bias", "v_bias" })
        {
            var bias = deploy.ProducerOf(deploy.Nodes.Single(n => n.Name == name).Inputs[1])!;
            Assert.AreEqual("DequantizeLinear", bias.OpType, name);
            Assert.AreEqual((int)DataType.Uint8, deploy.Initializers[bias.Inputs[0]].DataType, $"{name}: the activations' type");
        }
        var graph = OptimizedGraph.Of(Output("deploy.onnx"));
        var roundTrips = QdqRoundTrips.Find(graph).FloatNodes.Select(n => n.OpType).ToList();
        Assert.IsFalse(roundTrips.Contains("Add"), $"float kernels between DQ and Q: {string.Join(", ", roundTrips)}");
        Assert.IsTrue(graph.Nodes.Count(n => n.OpType == "QLinearAdd") >= 3, string.Join(", ", graph.Nodes.Select(n => n.OpType)));
    }

    [TestMethod]
    public void Fake_quant_and_deploy_outputs_follow_the_float_model()
    {
        var reference = Run(_model);
        foreach (var suffix in new[] { "fake_quant.onnx", "deploy.onnx" })
        {
            var quantized = Run(Output(suffix));
            var cosine = Similarity.Cosine(reference, quantized);
            Assert.IsTrue(cosine >= 0.99, $"{suffix}: cosine {cosine}");
        }
    }

    [TestMethod]
    public void The_record_puts_the_second_input_in_the_weight_place_and_the_csv_names_it()
    {
        var scores = _outcome.Result.Layers.Single(l => l.Layer.Name == "scores").SecondInput!;
        var record = File.ReadAllText(Output("record.txt"));
        var entry = record[record.IndexOf("key: \"scores\"", StringComparison.Ordinal)..];
        entry = entry[..entry.IndexOf("}", StringComparison.Ordinal)];
        StringAssert.Contains(entry, $"offset_w: {-scores.Params.ZeroPoint}");
        Assert.AreEqual(1, entry.Split('\n').Count(l => l.Trim().StartsWith("scale_w:", StringComparison.Ordinal)), entry);
        var csv = File.ReadAllLines(Output("calibration.csv"));
        var header = csv[0].Split(',');
        var row = csv.Single(l => l.StartsWith("scores,", StringComparison.Ordinal)).Split(',');
        Assert.AreEqual("kt", row[Array.IndexOf(header, "second_input")]);
        var json = File.ReadAllText(Output("record.json"));
        StringAssert.Contains(json, "\"second_input\": \"kt\"");
    }

    private static string Output(string suffix) => Path.Combine(_output, $"attention_{suffix}");

    private static float[] Input(int sample) => Values(100 + sample, Seq, Width);

    /// <summary>x [batch, 4, 8] → one attention head of width 8 → an output projection.</summary>
    private static string AttentionModel()
    {
        var graph = new ModelGraph("attention");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", Seq, Width));
        foreach (var (name, seed) in new[] { ("q", 1), ("k", 2), ("v", 3), ("out", 4) })
        {
            graph.AddInitializer($"w_{name}", TensorData.FromFloats([Width, Width], Values(seed, Width, Width)));
            graph.AddInitializer($"b_{name}", TensorData.FromFloats([Width], Values(seed + 10, Width)));
        }
        graph.AddInitializer("sqrt_width", TensorData.Scalar(MathF.Sqrt(Width)));
        foreach (var name in new[] { "q", "k", "v" })
        {
            graph.AddNode("MatMul", $"{name}_proj", ["x", $"w_{name}"], [$"{name}_mm"]);
            graph.AddNode("Add", $"{name}_bias", [$"{name}_mm", $"b_{name}"], [name]);
        }
        graph.AddNode("Transpose", "k_transpose", ["k"], ["kt"]).Attributes.Set("perm", [0L, 2, 1]);
        graph.AddNode("MatMul", "scores", ["q", "kt"], ["scores_raw"]);
        graph.AddNode("Div", "scale", ["scores_raw", "sqrt_width"], ["scores_scaled"]);
        graph.AddNode("Softmax", "softmax", ["scores_scaled"], ["probs"]).Attributes.Set("axis", -1L);
        graph.AddNode("MatMul", "attended", ["probs", "v"], ["context"]);
        graph.AddNode("MatMul", "out_proj", ["context", "w_out"], ["out_mm"]);
        graph.AddNode("Add", "out_bias", ["out_mm", "b_out"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", Seq, Width));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "attention.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        return path;
    }

    private static float[] Values(int seed, params int[] shape)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    // A plain ONNX Runtime session over all samples in one batch: calib's own comparison code is not used.
    private static float[] Run(string model)
    {
        var data = Enumerable.Range(0, Samples).SelectMany(Input).ToArray();
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(data, [Samples, Seq, Width]);
        using var results = session.Run(new RunOptions(), ["x"], [input], [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
