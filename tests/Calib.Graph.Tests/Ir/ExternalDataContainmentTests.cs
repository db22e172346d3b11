using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Graph.Tests.Ir;

/// <summary>A model may only read external data from its own folder: issue 15's hostile locations.</summary>
[TestClass]
public sealed class ExternalDataContainmentTests
{
    [TestMethod]
    public void An_absolute_location_is_refused_naming_the_tensor_the_location_and_the_model()
    {
        var (path, _) = ModelWithExternalWeight("/etc/passwd");

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, $"'{path}'");
        StringAssert.Contains(e.Message, "tensor 'w_conv' keeps its data at '/etc/passwd', an absolute path");
    }

    [TestMethod]
    public void A_location_climbing_out_with_dot_dot_is_refused()
    {
        var (path, _) = ModelWithExternalWeight("../../../../etc/passwd");

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "tensor 'w_conv' keeps its data at '../../../../etc/passwd', which leaves the model's folder through '..'");
    }

    [TestMethod]
    public void A_dot_dot_that_would_come_back_inside_is_refused_too()
    {
        // "sub/../w.bin" is only harmless when sub is not a link; calib does not guess.
        var (path, dir) = ModelWithExternalWeight("sub/../weights.bin");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "through '..'");
    }

    [TestMethod]
    public void A_symbolic_link_to_a_file_outside_the_folder_is_refused()
    {
        var (path, dir) = ModelWithExternalWeight("weights.bin");
        File.Delete(Path.Combine(dir, "weights.bin"));
        File.CreateSymbolicLink(Path.Combine(dir, "weights.bin"), "/etc/passwd");

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "tensor 'w_conv' keeps its data at 'weights.bin', a symbolic link to '/etc/passwd', outside the model's folder");
    }

    [TestMethod]
    public void A_symbolic_link_to_a_folder_outside_is_refused()
    {
        var outside = RepoPaths.NewTempDirectory();
        var (path, dir) = ModelWithExternalWeight("data/weights.bin");
        File.Move(Path.Combine(dir, "weights.bin"), Path.Combine(outside, "weights.bin"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "data"), outside);

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, $"a symbolic link to '{Path.Combine(outside, "weights.bin")}', outside the model's folder");
    }

    [TestMethod]
    public void A_relative_symbolic_link_that_climbs_out_is_refused()
    {
        var (path, dir) = ModelWithExternalWeight("weights.bin");
        File.Delete(Path.Combine(dir, "weights.bin"));
        File.CreateSymbolicLink(Path.Combine(dir, "weights.bin"), "../../../../../../../../etc/passwd");

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "a symbolic link to '/etc/passwd'");
    }

    [TestMethod]
    public void A_symbolic_link_that_stays_inside_the_folder_is_read()
    {
        var (path, dir) = ModelWithExternalWeight("link.bin");
        File.Move(Path.Combine(dir, "weights.bin"), Path.Combine(dir, "real.bin"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.CreateSymbolicLink(Path.Combine(dir, "sub", "inner.bin"), "../real.bin");
        File.CreateSymbolicLink(Path.Combine(dir, "link.bin"), "sub/inner.bin");

        var loaded = OnnxModelFile.Load(path);

        CollectionAssert.AreEqual(ExpectedWeight(), TensorData.ReadFloats(loaded.Graph.Initializers["w_conv"]));
    }

    [TestMethod]
    public void A_model_in_a_linked_folder_reads_its_own_data()
    {
        var (path, dir) = ModelWithExternalWeight("weights.bin");
        var link = Path.Combine(RepoPaths.NewTempDirectory(), "linked");
        Directory.CreateSymbolicLink(link, dir);

        var loaded = OnnxModelFile.Load(Path.Combine(link, Path.GetFileName(path)));

        CollectionAssert.AreEqual(ExpectedWeight(), TensorData.ReadFloats(loaded.Graph.Initializers["w_conv"]));
    }

    [TestMethod]
    public void Offset_and_length_past_the_end_of_the_file_are_refused()
    {
        var size = ExpectedWeight().Length * sizeof(float);
        var (path, _) = ModelWithExternalWeight("weights.bin", offset: 8, length: size);

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, $"tensor 'w_conv' wants bytes 8..{8 + size} of 'weights.bin', which has {size}");
    }

    [TestMethod]
    public void An_offset_past_the_end_without_a_length_is_refused()
    {
        var size = ExpectedWeight().Length * sizeof(float);
        var (path, _) = ModelWithExternalWeight("weights.bin", offset: size + 100);

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, $"wants bytes {size + 100}..{size + 100} of 'weights.bin', which has {size}");
    }

    [TestMethod]
    public void A_location_naming_the_folder_itself_is_refused()
    {
        var (path, _) = ModelWithExternalWeight(".");

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "keeps its data at '.', which is a folder, not a data file");
    }

    [TestMethod]
    public void A_data_file_inside_a_subfolder_is_read()
    {
        var (path, dir) = ModelWithExternalWeight("data/weights.bin");
        Directory.CreateDirectory(Path.Combine(dir, "data"));
        File.Move(Path.Combine(dir, "weights.bin"), Path.Combine(dir, "data", "weights.bin"));

        var loaded = OnnxModelFile.Load(path);

        CollectionAssert.AreEqual(ExpectedWeight(), TensorData.ReadFloats(loaded.Graph.Initializers["w_conv"]));
    }

    [TestMethod]
    public void External_data_in_a_node_attribute_is_contained_too()
    {
        // A Constant node's value is a TensorProto that may be external as well; it must not escape either.
        var dir = RepoPaths.NewTempDirectory();
        var proto = TestModels.LayerZoo().ToProto();
        var value = new TensorProto { Name = "const_value", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 4 } };
        value.DataLocation = TensorProto.Types.DataLocation.External;
        value.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "/etc/passwd" });
        var constant = new NodeProto { Name = "c", OpType = "Constant", Output = { "const_out" } };
        constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });
        proto.Graph.Node.Add(constant);
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());

        var e = Assert.ThrowsExactly<CalibException>(() => OnnxModelFile.Load(path));

        StringAssert.Contains(e.Message, "tensor 'const_value' keeps its data at '/etc/passwd', an absolute path");
    }

    private static float[] ExpectedWeight() =>
        TensorData.ReadFloats(TestModels.LayerZoo().ToProto().Graph.Initializer.Single(t => t.Name == "w_conv"));

    // The layer zoo with w_conv's data moved to <folder>/weights.bin and referenced as location.
    private static (string ModelPath, string Folder) ModelWithExternalWeight(string location, long? offset = null, long? length = null)
    {
        var dir = RepoPaths.NewTempDirectory();
        var proto = TestModels.LayerZoo().ToProto();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "w_conv");
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), weight.RawData.ToByteArray());
        weight.RawData = ByteString.Empty;
        weight.DataLocation = TensorProto.Types.DataLocation.External;
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is { } o) weight.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = o.ToString() });
        if (length is { } l) weight.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = l.ToString() });
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return (path, dir);
    }
}
