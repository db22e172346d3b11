using System.Runtime.InteropServices;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Workflows;
using Calib.Graph;
using Calib.Graph.IO;
using Calib.Graph.Quantization;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>
/// The model zoo of <c>scripts/make_zoo.py</c> (exported with Debian's python3-torch into a temporary
/// folder once per run): each model calibrates from its .npz tensor files, and its fake-quant model's
/// outputs stay within cosine 0.99 of the float model's on held-out inputs, measured with a plain ONNX
/// Runtime session (not calib's comparison code); the run's own fidelity check measures the 8 .npz
/// samples calibration did not feed and reaches cosine 0.99 too.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class ModelZooTests
{
    private static string? _zoo;

    private static string Zoo => _zoo ??= Make();

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    [DataRow("image_vector")]
    [DataRow("sequence_conv1d")]
    [DataRow("audio")]
    [DataRow("nhwc")]
    [DataRow("transformer")]
    [DataRow("external_data")]
    [DataRow("if_branches")]
    [DataRow("opset9")]
    public void Calibrates_from_tensor_files_and_the_fake_quant_model_follows_the_float_model(string name)
    {
        var folder = Path.Combine(Zoo, name);
        var output = RepoPaths.NewTempDirectory();

        var outcome = CalibrationRun.Execute(Request(folder, Path.Combine(folder, "calib"), output));

        Assert.IsTrue(outcome.Result.Layers.Count > 0, "some layer quantized");
        Assert.AreEqual(32, outcome.Samples);
        var cosine = Cosine(Path.Combine(folder, "model.onnx"), Path.Combine(output, "model_fake_quant.onnx"), Path.Combine(folder, "heldout.npz"));
        Console.WriteLine($"{name}: {outcome.Result.Layers.Count} layers quantized, cosine fake-quant vs float {cosine:F5}");
        Assert.IsTrue(cosine >= 0.99, $"{name}: cosine {cosine}");
        // A model read with external data is written with external data.
        Assert.AreEqual(name == "external_data", File.Exists(Path.Combine(output, "model_fake_quant.onnx.data")), name);
        Assert.AreEqual(name == "external_data", File.Exists(Path.Combine(output, "model_deploy.onnx.data")), name);
        var fidelity = outcome.Fidelity ?? throw new AssertFailedException($"{name}: no fidelity figures");
        Console.WriteLine($"{name}: fidelity on {fidelity.Describe()}: worst cosine {fidelity.WorstCosine:F5}, SQNR {fidelity.WorstSqnrDb:F2} dB");
        Assert.AreEqual(FidelitySource.HeldOut, fidelity.Source, name);
        Assert.AreEqual(8, fidelity.Samples, name);
        Assert.IsTrue(fidelity.Outputs.Count > 0 && fidelity.Outputs.All(o => o.Deploy is not null), name);
        Assert.IsTrue(fidelity.WorstCosine >= 0.99, $"{name}: fidelity cosine {fidelity.WorstCosine}");
        Assert.IsNotNull(outcome.RangeChoice, $"{name}: the range choice runs on tensor data");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void The_transformer_quantizes_every_matmul_and_gemm_attention_included_and_both_models_follow_float()
    {
        var folder = Path.Combine(Zoo, "transformer");
        var output = RepoPaths.NewTempDirectory();
        var model = Path.Combine(folder, "model.onnx");

        CalibrationRun.Execute(Request(folder, Path.Combine(folder, "calib"), output));

        var floatNodes = Graph.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model)).Graph.Node;
        var layers = floatNodes.Count(n => n.OpType is "MatMul" or "Gemm");
        Assert.AreEqual(17, layers, "2 × (q, k, v, Q·Kᵀ, probabilities·V, out, ff1, ff2) and the head");
        foreach (var kind in new[] { "fake_quant", "deploy" })
        {
            var path = Path.Combine(output, $"model_{kind}.onnx");
            var (quantized, ofActivations) = QdqMatMuls(path);
            Assert.AreEqual((layers, 4), (quantized, ofActivations), $"{kind}: quantized MatMul/Gemm nodes, and those with two quantized activations");
            Assert.IsNull(OnnxChecker.Check(path), kind);
            var cosine = Cosine(model, path, Path.Combine(folder, "heldout.npz"));
            Console.WriteLine($"transformer {kind}: cosine vs float {cosine:F5}");
            Assert.IsTrue(cosine >= 0.99, $"{kind}: cosine {cosine}");
        }
        var roundTrips = QdqRoundTrips.Find(OptimizedGraph.Of(Path.Combine(output, "model_deploy.onnx"))).FloatNodes;
        Assert.AreEqual("", string.Join(", ", roundTrips.Select(n => $"{n.OpType} {n.Name}")),
            "no float kernel left between DequantizeLinear and QuantizeLinear in ONNX Runtime's optimized deploy graph (the bias Adds fuse)");
    }

    // Read as a plain ONNX message: MatMul/Gemm nodes whose input 0 is a dequantized activation, and those whose
    // input 1 is one too (DequantizeLinear of a QuantizeLinear of a computed tensor, not of a weight).
    private static (int Quantized, int OfActivations) QdqMatMuls(string path)
    {
        var graph = Graph.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        var producers = graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node);
        var constants = graph.Initializer.Select(i => i.Name).ToHashSet();
        bool DequantizedActivation(string tensor) =>
            producers.TryGetValue(tensor, out var dq) && dq.OpType == "DequantizeLinear"
            && producers.TryGetValue(dq.Input[0], out var q) && q.OpType == "QuantizeLinear" && !constants.Contains(q.Input[0]);
        var layers = graph.Node.Where(n => n.OpType is "MatMul" or "Gemm" && DequantizedActivation(n.Input[0])).ToList();
        return (layers.Count, layers.Count(n => DequantizedActivation(n.Input[1])));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Transformer_data_as_npz_as_npy_folders_and_as_bin_folders_gives_the_same_ranges()
    {
        var folder = Path.Combine(Zoo, "transformer");
        var inputs = Path.Combine(folder, "calib_inputs");
        var fromNpz = CalibrationRun.Execute(Request(folder, Path.Combine(folder, "calib"), RepoPaths.NewTempDirectory()));
        var fromNpy = CalibrationRun.Execute(Request(folder,
            $"{Path.Combine(inputs, "input_ids_npy")};{Path.Combine(inputs, "attention_mask_npy")}", RepoPaths.NewTempDirectory()));
        var fromBin = CalibrationRun.Execute(Request(folder,
            $"{Path.Combine(inputs, "input_ids_bin")};{Path.Combine(inputs, "attention_mask_bin")}", RepoPaths.NewTempDirectory(),
            new TensorDataOptions(TensorDataOptions.ParseShapes("input_ids:1,16;attention_mask:1,16"), TensorDataOptions.ParseTypes("int64;int64"))));

        foreach (var other in new[] { fromNpy, fromBin })
        {
            Assert.AreEqual(fromNpz.Result.Layers.Count, other.Result.Layers.Count);
            for (var i = 0; i < fromNpz.Result.Layers.Count; i++)
            {
                Assert.AreEqual(fromNpz.Result.Layers[i].Input.Clip, other.Result.Layers[i].Input.Clip, fromNpz.Result.Layers[i].Layer.Name);
                Assert.AreEqual(fromNpz.Result.Layers[i].Input.Params, other.Result.Layers[i].Input.Params, fromNpz.Result.Layers[i].Layer.Name);
            }
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void The_opset_9_model_is_raised_to_13_with_per_channel_weights()
    {
        var folder = Path.Combine(Zoo, "opset9");
        var output = RepoPaths.NewTempDirectory();

        var outcome = CalibrationRun.Execute(Request(folder, Path.Combine(folder, "calib"), output));

        var deploy = Graph.Onnx.OnnxModelFile.Load(Path.Combine(output, "model_deploy.onnx"));
        Assert.AreEqual(13, deploy.DefaultOpset);
        Assert.IsFalse(deploy.Graph.Nodes.Any(n => n.OpType == "Upsample"), "Upsample became Resize");
        var conv1 = outcome.Result.Layers.Single(l => l.Layer.Name.Contains("conv1"));
        Assert.IsTrue(conv1.Weights is { ChannelWise: true, Scales.Length: 8 }, "opset 13 gives one weight scale per output channel");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Inspect_lists_the_convs_of_the_if_branches_as_float_and_run_agrees()
    {
        var path = Path.Combine(Zoo, "if_branches", "model.onnx");

        var report = Inspection.Inspect(new Calib.Algorithms.Preparation.ModelSource(path), null);

        foreach (var name in new[] { "if/then_branch/conv_then", "if/else_branch/conv_else" })
        {
            var row = report.Layers.Single(l => l.Name == name);
            Assert.AreEqual("Conv", row.Op);
            Assert.IsFalse(row.Quantizable);
            Assert.AreEqual("inside an If branch: subgraph layers are not quantized", row.Reason);
        }
        var inspected = report.Layers.Where(l => l.Quantizable).Select(l => l.Name).Order().ToList();
        var run = CalibrationRun.Execute(Request(Path.Combine(Zoo, "if_branches"), Path.Combine(Zoo, "if_branches", "calib"), RepoPaths.NewTempDirectory()));
        CollectionAssert.AreEqual(inspected, run.Result.Layers.Select(l => l.Layer.Name).Order().ToList());
    }

    private static CalibrationRequest Request(string folder, string data, string output, TensorDataOptions? options = null) => new()
    {
        ModelPath = Path.Combine(folder, "model.onnx"),
        CalibrationSet = data,
        TensorData = options,
        BatchSize = 8,
        Overrides = new SettingOverrides { BatchNum = 4 },
        OutputDirectory = output,
    };

    /// <summary>Cosine similarity of the two models' first outputs over the held-out samples, batched as they come.</summary>
    private static double Cosine(string floatModel, string quantModel, string heldout)
    {
        var arrays = NpzFile.Read(heldout);
        return Similarity.Cosine(Run(floatModel, arrays), Run(quantModel, arrays));
    }

    private static float[] Run(string model, IReadOnlyList<KeyValuePair<string, TypedArray>> arrays)
    {
        using var session = new InferenceSession(model);
        var values = arrays.Select(p => p.Value.ElementType switch
        {
            DataType.Float => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, float>(p.Value.Data).ToArray(), p.Value.Shape),
            DataType.Int64 => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<byte, long>(p.Value.Data).ToArray(), p.Value.Shape),
            var other => throw new InvalidOperationException($"held-out type {other}"),
        }).ToList();
        try
        {
            using var results = session.Run(new RunOptions(), arrays.Select(p => p.Key).ToList(), values, [session.OutputNames[0]]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static string Make()
    {
        var zoo = RepoPaths.NewTempDirectory();
        ProjectScripts.Run("make_zoo.py", zoo);
        return zoo;
    }
}
