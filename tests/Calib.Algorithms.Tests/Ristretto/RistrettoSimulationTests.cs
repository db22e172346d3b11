using Calib.Algorithms.Ristretto;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>
/// The simulation model of a Gemm layer y = x·W + b, worked by hand: input trimmed to 4 bits (fl 1),
/// weights and bias to 4 bits (fl 2), output to 6 bits (fl 1). All values are dyadic, so ONNX
/// Runtime's float arithmetic is exact and the result is known to the bit.
/// </summary>
[TestClass]
public sealed class RistrettoSimulationTests
{
    private static readonly RistrettoLayerFormat Format = new()
    {
        Precision = RistrettoPrecision.DynamicFixedPoint,
        LayerIn = new DynamicFixedPoint(4, 1),
        Params = new DynamicFixedPoint(4, 2),
        LayerOut = new DynamicFixedPoint(6, 1),
    };

    [TestMethod]
    public void A_gemm_layer_runs_on_trimmed_input_weights_bias_and_output()
    {
        var model = GemmModel();
        var simulation = RistrettoSimulation.Build(model, RistrettoLayer.Find(model.Graph), new Dictionary<string, RistrettoLayerFormat> { ["fc"] = Format });
        using var runner = ModelRunner.Create(simulation);
        using var result = runner.Run("x", [0.3f, -1.2f, 5.0f, 0.75f], [1, 4]);
        // x → [0.5, −1, 3.5 (saturated), 1]; W → [[0.25, −0.5], [1.75, 0], [−2, 0.5], [0.75, 0.25]]; b → [0, −0.25].
        // y0 = 0.125 − 1.75 − 7 + 0.75 = −7.875 → −15.75 half-steps → −16 → −8; y1 = −0.25 + 1.75 + 0.25 − 0.25 = 1.5.
        CollectionAssert.AreEqual(new[] { -8f, 1.5f }, result.Floats("y").ToArray());
    }

    [TestMethod]
    public void Weights_become_new_initializers_and_the_original_stays_float()
    {
        var model = GemmModel();
        var simulation = RistrettoSimulation.Build(model, RistrettoLayer.Find(model.Graph), new Dictionary<string, RistrettoLayerFormat> { ["fc"] = Format });
        var gemm = simulation.Graph.Nodes.Single(n => n.Name == "fc");
        CollectionAssert.AreEqual(new[] { 0.25f, -0.5f, 1.75f, 0f, -2f, 0.5f, 0.75f, 0.25f }, TensorData.ReadFloats(simulation.Graph.Initializers[gemm.Inputs[1]]));
        CollectionAssert.AreEqual(Weights, TensorData.ReadFloats(model.Graph.Initializers["w"]));
        Assert.AreEqual("y", simulation.Graph.Outputs[0].Name);
    }

    [TestMethod]
    public void An_unknown_layer_is_refused() =>
        Assert.ThrowsExactly<ArgumentException>(() => RistrettoSimulation.Build(GemmModel(), [], new Dictionary<string, RistrettoLayerFormat> { ["fc"] = Format }));

    private static readonly float[] Weights = [0.3f, -0.6f, 1.9f, 0.1f, -2.5f, 0.4f, 0.7f, 0.2f];

    private static OnnxModel GemmModel()
    {
        var graph = new ModelGraph("gemm");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, 1, 4));
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, 1, 2));
        graph.AddInitializer("w", TensorData.FromFloats([4, 2], Weights));
        graph.AddInitializer("b", TensorData.FromFloats([2], [0.1f, -0.3f]));
        graph.AddNode("Gemm", "fc", ["x", "w", "b"], ["y"]);
        return new OnnxModel(graph, 13);
    }
}
