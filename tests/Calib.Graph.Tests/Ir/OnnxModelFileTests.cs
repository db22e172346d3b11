using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Graph.Tests.Ir;

[TestClass]
public sealed class OnnxModelFileTests
{
    [TestMethod]
    public void Saving_and_loading_gives_back_the_same_model_message()
    {
        var original = TestModels.LayerZoo().ToProto();
        var reloaded = OnnxModelFile.Parse(original.ToByteArray(), "zoo").ToProto();
        Assert.AreEqual(original, reloaded);
    }

    [TestMethod]
    public void Fields_calib_does_not_model_survive_a_round_trip()
    {
        var proto = TestModels.LayerZoo().ToProto();
        proto.DocString = "model doc";
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "me" });
        proto.Graph.DocString = "graph doc";
        proto.Graph.Node[0].DocString = "node doc";
        proto.Graph.QuantizationAnnotation.Add(new TensorAnnotation { TensorName = "c1" });
        proto.Functions.Add(new FunctionProto { Name = "f", Domain = "custom" });
        // A field number from a future ONNX version, unknown to calib's .proto.
        var withUnknown = proto.ToByteArray().Concat(new byte[] { 0xF8, 0x07, 0x2A }).ToArray();

        var bytes = OnnxModelFile.ToBytes(OnnxModelFile.Parse(withUnknown, "zoo"));

        Assert.AreEqual(ModelProto.Parser.ParseFrom(withUnknown), ModelProto.Parser.ParseFrom(bytes));
        CollectionAssert.AreEqual(withUnknown[^3..], bytes[^3..]);
    }

    [TestMethod]
    public void Subgraphs_are_kept_intact()
    {
        var model = TestModels.LayerZoo();
        var branch = new GraphProto { Name = "then_branch" };
        branch.Node.Add(new NodeProto { OpType = "Identity", Input = { "c1" }, Output = { "then_out" } });
        branch.Output.Add(ValueInfos.Tensor("then_out", TensorProto.Types.DataType.Float, null));
        var node = model.Graph.AddNode("If", "if", ["cond"], ["if_out"]);
        node.Attributes.Put(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = branch });

        var reloaded = OnnxModelFile.Parse(OnnxModelFile.ToBytes(model), "zoo");

        Assert.AreEqual(branch, reloaded.Graph.Nodes.Single(n => n.Name == "if").Attributes.Find("then_branch")!.G);
        Assert.IsTrue(reloaded.Graph.NamesReadBySubgraphs().Contains("c1"));
    }

    [TestMethod]
    public void External_tensor_data_is_read_from_the_side_file()
    {
        var dir = RepoPaths.NewTempDirectory();
        var proto = TestModels.LayerZoo().ToProto();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "w_conv");
        var expected = TensorData.ReadFloats(weight);
        var payload = new byte[16].Concat(weight.RawData.ToByteArray()).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), payload);
        weight.RawData = ByteString.Empty;
        weight.DataLocation = TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        weight.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        weight.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (payload.Length - 16).ToString() });
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());

        var loaded = OnnxModelFile.Load(path);

        CollectionAssert.AreEqual(expected, TensorData.ReadFloats(loaded.Graph.Initializers["w_conv"]));
    }

    [TestMethod]
    public void A_malformed_external_data_entry_is_a_user_error()
    {
        var dir = RepoPaths.NewTempDirectory();
        var proto = TestModels.LayerZoo().ToProto();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "w_conv");
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), weight.RawData.ToByteArray());
        weight.RawData = ByteString.Empty;
        weight.DataLocation = TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        weight.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "sixteen" });
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));
        StringAssert.Contains(e.Message, "'w_conv' has external-data offset 'sixteen'");
    }

    [TestMethod]
    public void A_missing_file_is_a_user_error_naming_it()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load("/no/such/model.onnx"));
        StringAssert.Contains(e.Message, "/no/such/model.onnx");
    }

    [TestMethod]
    public void A_truncated_file_is_reported_as_truncated()
    {
        var bytes = OnnxModelFile.ToBytes(TestModels.LayerZoo());
        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Parse(bytes[..(bytes.Length / 2)], "half.onnx"));
        StringAssert.Contains(e.Message, "truncated");
        StringAssert.Contains(e.Message, "half.onnx");
    }

    [TestMethod]
    public void A_file_that_is_not_onnx_is_rejected()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Parse("name: \"LeNet\"\n"u8.ToArray(), "lenet.prototxt"));
        StringAssert.Contains(e.Message, "lenet.prototxt");
    }

    [TestMethod]
    public void Saving_replaces_the_file_atomically()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "m.onnx");
        File.WriteAllText(path, "old");
        OnnxModelFile.Save(TestModels.LayerZoo(), path);
        Assert.AreEqual("layer_zoo", OnnxModelFile.Load(path).Graph.Name);
        Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(path)!).Length);
    }
}
