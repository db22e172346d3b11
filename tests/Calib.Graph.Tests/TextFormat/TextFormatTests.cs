using Calib.Graph.Onnx.Proto;
using Calib.Graph.TextFormat;
using Google.Protobuf;

namespace Calib.Graph.Tests.TextFormat;

[TestClass]
public sealed class TextFormatTests
{
    private static ModelProto Sample()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "quote\" back\\slash\ttab ünïcödé", DocString = "line1\nline2" };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        var node = new NodeProto { OpType = "Conv", Name = "conv1", Input = { "x", "w" }, Output = { "y" } };
        node.Attribute.Add(new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1, -1, 0 } });
        node.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 0.1f });
        node.Attribute.Add(new AttributeProto { Name = "raw", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(0, 1, 255, 10) });
        model.Graph = new GraphProto { Name = "g", Node = { node } };
        return model;
    }

    [TestMethod]
    public void Writing_then_reading_gives_back_the_message()
    {
        var text = TextFormatWriter.Write(Sample());
        Assert.AreEqual(Sample(), TextFormatReader.Parse<ModelProto>(text, "sample.txt"));
    }

    [TestMethod]
    public void Floats_are_written_in_shortest_round_trip_form()
    {
        foreach (var value in new[] { 0.1f, 1f / 3, 1e-20f, 3.4028235e38f, 0.01110926f })
        {
            var text = TextFormatWriter.Write(new AttributeProto { F = value });
            Assert.AreEqual(value, TextFormatReader.Parse<AttributeProto>(text, "f").F);
        }
    }

    [TestMethod]
    public void The_reader_takes_the_forms_real_files_use()
    {
        const string text = """
            # a comment
            ir_version: 7  producer_name: 'single' "joined"
            opset_import < version: 11 >
            graph {
              name: "g"
              node { op_type: "Relu" input: ["a", "b"] output: "c"; }  # trailing comment
              node: { op_type: "Add" attribute { name: "k" type: INTS ints: [1, 0x10, -3] } attribute { type: 1 f: -inf } }
            }
            """;
        var model = TextFormatReader.Parse<ModelProto>(text, "forms.txt");
        Assert.AreEqual(7, model.IrVersion);
        Assert.AreEqual("singlejoined", model.ProducerName);
        Assert.AreEqual(11, model.OpsetImport[0].Version);
        CollectionAssert.AreEqual(new[] { "a", "b" }, model.Graph.Node[0].Input.ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 16, -3 }, model.Graph.Node[1].Attribute[0].Ints.ToArray());
        Assert.AreEqual(AttributeProto.Types.AttributeType.Ints, model.Graph.Node[1].Attribute[0].Type);
        Assert.AreEqual(AttributeProto.Types.AttributeType.Float, model.Graph.Node[1].Attribute[1].Type);
        Assert.AreEqual(float.NegativeInfinity, model.Graph.Node[1].Attribute[1].F);
    }

    [TestMethod]
    [DataRow("ir_version: 7\nproducer_nam: \"x\"", 2, 1, "field 'producer_nam' is not part of ModelProto")]
    [DataRow("graph {\n  name: \"g\"\n", 3, 1, "expected '}'")]
    [DataRow("ir_version: seven", 1, 13, "'seven' is not an integer")]
    [DataRow("ir_version: 7\nir_version: 8", 2, 1, "given more than once")]
    [DataRow("graph { node { attribute { type: LIST } } }", 1, 34, "'LIST' is not a value of AttributeType")]
    [DataRow("producer_name: \"open", 1, 16, "string is not closed")]
    [DataRow("opset_import { version: 99999999999999999999 }", 1, 25, "out of range")]
    public void Errors_name_the_file_line_and_column(string text, int line, int column, string message)
    {
        var e = Assert.ThrowsExactly<CalibException>(() => TextFormatReader.Parse<ModelProto>(text, "bad.prototxt"));
        StringAssert.StartsWith(e.Message, $"bad.prototxt:{line}:{column}: ");
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void Unknown_fields_can_be_skipped_with_a_report()
    {
        var skipped = new List<string>();
        var model = TextFormatReader.Parse<ModelProto>("future { a: 1 b { c: [1, 2] } }\nir_version: 3\nnew_flag: true",
            "lenient.txt", new TextFormatReader.Options(IgnoreUnknownFields: true, OnUnknownField: skipped.Add));
        Assert.AreEqual(3, model.IrVersion);
        Assert.AreEqual(2, skipped.Count);
        StringAssert.StartsWith(skipped[0], "lenient.txt:1:1: field 'future'");
    }
}
