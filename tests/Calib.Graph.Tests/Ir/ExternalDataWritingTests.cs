using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Ir;

/// <summary>
/// Models above the single-file limit (lowered here to 64 KiB) and models read with external data are
/// written as ONNX does: the model file, and its large tensors in a data file beside it.
/// </summary>
[TestClass]
public sealed class ExternalDataWritingTests
{
    private const long Limit = 64 * 1024;

    [TestMethod]
    public void A_model_above_the_limit_keeps_its_large_tensors_in_a_data_file_at_aligned_offsets()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "ext.onnx");

        using (OnnxModelFile.LowerSingleFileLimit(Limit)) OnnxModelFile.Save(Model(), path);

        CollectionAssert.AreEquivalent(new[] { "ext.onnx", "ext.onnx.data" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).ToList());
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var subgraph = proto.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G;
        foreach (var tensor in new[] { Initializer(proto.Graph, "w"), Initializer(proto.Graph, "b"), Initializer(subgraph, "t") })
        {
            Assert.AreEqual(TensorProto.Types.DataLocation.External, tensor.DataLocation, tensor.Name);
            var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
            Assert.AreEqual("ext.onnx.data", entries["location"], tensor.Name);
            Assert.AreEqual(0, long.Parse(entries["offset"]) % 4096, $"{tensor.Name} starts on a 4 KiB boundary");
            Assert.IsTrue(tensor.RawData.IsEmpty, tensor.Name);
        }
        Assert.AreEqual(TensorProto.Types.DataLocation.Default, Initializer(proto.Graph, "zero").DataLocation, "a tensor under 1 KiB stays in the model");
        var reloaded = OnnxModelFile.Load(path);
        Assert.IsTrue(reloaded.LoadedWithExternalData);
        foreach (var (name, tensor) in Model().Graph.Initializers)
            CollectionAssert.AreEqual(TensorData.RawBytes(tensor), TensorData.RawBytes(reloaded.Graph.Initializers[name]), name);
    }

    [TestMethod]
    public void ONNX_Runtime_opens_the_written_pair_by_path_and_computes_what_the_model_in_memory_computes()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "ext.onnx");
        using (OnnxModelFile.LowerSingleFileLimit(Limit)) OnnxModelFile.Save(Model(), path);

        using var fromFile = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(Input(), [1, 300]);
        using var outputs = fromFile.Run(new RunOptions(), ["x"], [input], ["z"]);

        CollectionAssert.AreEqual(InMemoryOutput(), outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [TestMethod]
    public void A_model_read_with_external_data_is_written_with_external_data_whatever_its_size()
    {
        var first = Path.Combine(RepoPaths.NewTempDirectory(), "ext.onnx");
        using (OnnxModelFile.LowerSingleFileLimit(Limit)) OnnxModelFile.Save(Model(), first);
        var second = Path.Combine(RepoPaths.NewTempDirectory(), "copy.onnx");

        OnnxModelFile.Save(OnnxModelFile.Load(first), second);

        Assert.IsTrue(File.Exists(second + ".data"));
        Assert.IsFalse(OnnxModelFile.Load(second).Graph.Initializers.Values.Any(t => t.DataLocation == TensorProto.Types.DataLocation.External), "read back inline");
    }

    [TestMethod]
    public void A_model_below_the_limit_is_one_file()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "small.onnx");

        OnnxModelFile.Save(Model(), path);

        Assert.IsFalse(File.Exists(path + ".data"));
        Assert.IsFalse(OnnxModelFile.Load(path).LoadedWithExternalData);
    }

    [TestMethod]
    public void A_model_below_the_limit_is_written_as_the_message_it_makes_large_and_subgraph_tensors_inline()
    {
        var model = Model();

        var bytes = OnnxModelFile.ToBytes(model);

        CollectionAssert.AreEqual(model.ToProto().ToByteArray(), bytes);
        Assert.IsTrue(model.Graph.Initializers.Values.All(t => t.DataLocation == TensorProto.Types.DataLocation.Default), "the model is left as it was");
        CollectionAssert.AreEqual(model.ToProto().ToByteArray(), OnnxModelFile.ToBytes(model), "and writes the same bytes again");
    }

    [TestMethod]
    public void The_written_size_is_the_bytes_on_the_disk_without_serializing_the_tensors()
    {
        var small = Path.Combine(RepoPaths.NewTempDirectory(), "small.onnx");
        OnnxModelFile.Save(Model(), small);
        Assert.AreEqual(new FileInfo(small).Length, OnnxModelFile.WrittenSize(Model(), "small.onnx"));

        using (OnnxModelFile.LowerSingleFileLimit(Limit))
        {
            var split = Path.Combine(RepoPaths.NewTempDirectory(), "ext.onnx");
            OnnxModelFile.Save(Model(), split);
            Assert.AreEqual(new FileInfo(split).Length + new FileInfo(split + ".data").Length, OnnxModelFile.WrittenSize(Model(), "ext.onnx"));
        }
    }

    [TestMethod]
    public void ToBytes_refuses_a_model_above_the_limit()
    {
        using var _ = OnnxModelFile.LowerSingleFileLimit(Limit);

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.ToBytes(Model()));

        StringAssert.Contains(e.Message, "above ONNX's 2 GiB single-file limit");
    }

    [TestMethod]
    public void A_runner_opens_a_model_above_the_limit_and_leaves_no_temporary_files()
    {
        var expected = InMemoryOutput();
        var before = SessionFolders();

        float[] actual;
        using (OnnxModelFile.LowerSingleFileLimit(Limit))
        using (var runner = ModelRunner.Create(Model()))
        {
            Assert.IsEmpty(SessionFolders().Except(before), "the temporary files are gone once the session is made");
            using var result = runner.Run("x", Input(), [1, 300]);
            actual = result.Floats("z").ToArray();
        }

        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void A_kill_at_any_step_of_writing_leaves_a_model_and_data_file_of_one_generation()
    {
        var steps = new List<string>();
        Commit(Model(), RepoPaths.NewTempDirectory(), steps.Add);
        CollectionAssert.Contains(steps, "write ext.onnx.data");
        CollectionAssert.Contains(steps, "publish ext.onnx.data");
        var outcomes = new HashSet<float>();
        foreach (var step in steps)
        {
            var dir = RepoPaths.NewTempDirectory();
            Commit(Model(weight: 1f), dir);

            Assert.ThrowsExactly<SimulatedKill>(() => Commit(Model(weight: 2f), dir, s => { if (s == step) throw new SimulatedKill(); }));
            using (OutputFolder.Claim(dir)) { }

            var weights = TensorData.ReadFloats(OnnxModelFile.Load(Path.Combine(dir, "ext.onnx")).Graph.Initializers["w"]).Distinct().ToList();
            Assert.HasCount(1, weights, $"after a kill at '{step}' the model reads one generation's data");
            outcomes.Add(weights[0]);
        }
        CollectionAssert.AreEquivalent(new[] { 1f, 2f }, outcomes.ToList());
    }

    private sealed class SimulatedKill : Exception;

    private static void Commit(OnnxModel model, string dir, Action<string>? beforeStep = null)
    {
        using var _ = OnnxModelFile.LowerSingleFileLimit(Limit);
        var files = new OutputFileSet(dir) { BeforeStep = beforeStep };
        CollectionAssert.AreEqual(new[] { "ext.onnx", "ext.onnx.data" }, files.AddModel("ext.onnx", model).ToList());
        files.Commit();
    }

    // The model run from bytes, below the limit.
    private static float[] InMemoryOutput()
    {
        using var runner = ModelRunner.Create(Model());
        using var result = runner.Run("x", Input(), [1, 300]);
        return result.Floats("z").ToArray();
    }

    private static HashSet<string> SessionFolders() =>
        Directory.GetDirectories(Path.GetTempPath(), "calib-session-*").ToHashSet(StringComparer.Ordinal);

    private static TensorProto Initializer(GraphProto graph, string name) => graph.Initializer.Single(t => t.Name == name);

    private static float[] Input() => TestModels.Values(3, 1, 300);

    // x[1,300] → MatMul w[300,300] (352 KiB) → Add b (1.2 KiB) → If (sum > zero) adds t (1.2 KiB, in the branch) or negates.
    private static OnnxModel Model(float? weight = null)
    {
        var graph = new ModelGraph("ext");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 300));
        graph.AddInitializer("w", TensorData.FromFloats([300, 300], weight is { } value ? Enumerable.Repeat(value, 90_000).ToArray() : TestModels.Values(1, 300, 300)));
        graph.AddInitializer("b", TensorData.FromFloats([300], TestModels.Values(2, 300)));
        graph.AddInitializer("zero", TensorData.Scalar(0f));
        graph.AddNode("MatMul", "matmul", ["x", "w"], ["h"]);
        graph.AddNode("Add", "bias", ["h", "b"], ["y"]);
        graph.AddNode("ReduceSum", "sum", ["y"], ["s"]).Attributes.Set("keepdims", 0L);
        graph.AddNode("Greater", "positive", ["s", "zero"], ["cond"]);
        var then = new GraphProto { Name = "then_branch" };
        then.Initializer.Add(TensorData.FromFloats([1, 300], TestModels.Values(4, 1, 300), "t"));
        then.Node.Add(new NodeProto { OpType = "Add", Name = "add_t", Input = { "y", "t" }, Output = { "then_out" } });
        then.Output.Add(ValueInfos.Tensor("then_out", DataType.Float, 1, 300));
        var otherwise = new GraphProto { Name = "else_branch" };
        otherwise.Node.Add(new NodeProto { OpType = "Neg", Name = "neg", Input = { "y" }, Output = { "else_out" } });
        otherwise.Output.Add(ValueInfos.Tensor("else_out", DataType.Float, 1, 300));
        var node = graph.AddNode("If", "if", ["cond"], ["z"]);
        node.Attributes.Put(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then });
        node.Attributes.Put(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise });
        graph.Outputs.Add(ValueInfos.Tensor("z", DataType.Float, 1, 300));
        return new OnnxModel(graph, opsetVersion: 13);
    }
}
