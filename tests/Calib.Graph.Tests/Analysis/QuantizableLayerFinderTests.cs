using Calib.Graph.Analysis;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Calib.Graph.Shapes;

namespace Calib.Graph.Tests.Analysis;

[TestClass]
public sealed class QuantizableLayerFinderTests
{
    private static readonly Dictionary<string, LayerVerdict> Verdicts =
        QuantizableLayerFinder.Classify(TestModels.LayerZoo().Graph).ToDictionary(v => v.Node.Name);

    [TestMethod]
    [DataRow("conv_ok", "Conv")]
    [DataRow("avgpool", "AveragePool")]
    [DataRow("deconv_ok", "ConvTranspose")]
    [DataRow("gemm_ok", "Gemm")]
    [DataRow("matmul_ok", "MatMul")]
    [DataRow("matmul_activations", "MatMul")]
    public void Supported_layers_are_quantizable(string node, string kind)
    {
        Assert.AreEqual(kind, Verdicts[node].Kind);
        Assert.IsNull(Verdicts[node].Reason);
    }

    [TestMethod]
    [DataRow("conv_dilated", "dilation 2 ≠ 1")]
    [DataRow("conv_1d", "filter is 3-D, not 4-D")]
    [DataRow("deconv_group2", "group 2 ≠ 1")]
    [DataRow("gap", "global pooling is not quantized")]
    [DataRow("maxpool", "MAX pooling is not quantized")]
    [DataRow("gemm_transA", "transA = 1 (input transposed)")]
    [DataRow("matmul_constant_left", "input 0 'w_left' is a constant and input 1 is not (weight on the left)")]
    [DataRow("flatten", "not a quantizable layer type")]
    public void Restricted_layers_state_the_reason(string node, string reason)
    {
        Assert.IsFalse(Verdicts[node].IsQuantizable);
        Assert.AreEqual(reason, Verdicts[node].Reason);
    }

    [TestMethod]
    public void Weight_names_point_at_the_constant_filter()
    {
        Assert.AreEqual("w_conv", Verdicts["conv_ok"].WeightName);
        Assert.AreEqual("w_matmul", Verdicts["matmul_ok"].WeightName);
        Assert.IsNull(Verdicts["avgpool"].WeightName);
    }

    [TestMethod]
    public void A_matmul_of_two_activations_has_a_second_input_and_no_weight()
    {
        Assert.AreEqual("ft", Verdicts["matmul_activations"].SecondInput);
        Assert.IsNull(Verdicts["matmul_activations"].WeightName);
        Assert.IsNull(Verdicts["matmul_ok"].SecondInput);
        Assert.IsNull(Verdicts["matmul_constant_left"].SecondInput, "not quantized");
    }

    [TestMethod]
    public void A_matmul_whose_second_activation_is_not_float_is_not_quantized()
    {
        var model = TestModels.LayerZoo();
        model.Graph.ValueInfos["ft"] = ValueInfos.Tensor("ft", TensorProto.Types.DataType.Double, 4, "batch");

        var verdict = QuantizableLayerFinder.Classify(model.Graph, TensorInfoCatalog.FromDeclarations(model))
            .Single(v => v.Node.Name == "matmul_activations");

        Assert.AreEqual("input 1 is Double, not float32", verdict.Reason);
    }

    [TestMethod]
    public void A_weight_from_a_constant_node_counts_as_constant()
    {
        var model = TestModels.LayerZoo();
        var graph = model.Graph;
        var weight = graph.Initializers["w_matmul"];
        graph.Initializers.Remove("w_matmul");
        var constant = new Node("Constant", "w_matmul_const", [], ["w_matmul"]);
        constant.Attributes.Set("value", weight);
        graph.Nodes.Insert(0, constant);

        var verdict = QuantizableLayerFinder.Classify(graph).Single(v => v.Node.Name == "matmul_ok");

        Assert.AreEqual("MatMul", verdict.Kind);
    }

    [TestMethod]
    public void A_layer_whose_input_is_not_float_is_not_quantized()
    {
        var model = TestModels.LayerZoo();
        model.Graph.Inputs[0] = ValueInfos.Tensor("x", TensorProto.Types.DataType.Double, "batch", 2, 8, 8);

        var verdict = QuantizableLayerFinder.Classify(model.Graph, TensorInfoCatalog.FromDeclarations(model))
            .Single(v => v.Node.Name == "conv_ok");

        Assert.AreEqual("input is Double, not float32", verdict.Reason);
    }

    [TestMethod]
    public void Restrictions_stored_in_the_model_override_the_onnx_rules_and_survive_saving()
    {
        var model = TestModels.LayerZoo();
        LayerRestrictions.Store(model, new Dictionary<string, string> { ["gemm_ok"] = "InnerProduct transpose: true" });
        var reloaded = Onnx.OnnxModelFile.Parse(Onnx.OnnxModelFile.ToBytes(model), "zoo.onnx");

        var verdicts = QuantizableLayerFinder.Classify(reloaded).ToDictionary(v => v.Node.Name);
        Assert.AreEqual("InnerProduct transpose: true", verdicts["gemm_ok"].Reason);
        Assert.IsTrue(verdicts["conv_ok"].IsQuantizable);
    }

    [TestMethod]
    public void A_malformed_restrictions_entry_is_a_user_error_naming_the_key()
    {
        var model = TestModels.LayerZoo();
        model.SetMetadata(LayerRestrictions.MetadataKey, "[1, 2]");
        var e = Assert.ThrowsExactly<CalibException>(() => QuantizableLayerFinder.Classify(model));
        StringAssert.Contains(e.Message, LayerRestrictions.MetadataKey);
    }
}
