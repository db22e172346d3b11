using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Quantization;

/// <summary>A float constant input of a node that the deploy model reads through DequantizeLinear.</summary>
/// <param name="Node">The node reading the constant.</param>
/// <param name="Input">The index of the constant among the node's inputs.</param>
/// <param name="Constant">The constant tensor's name (an initializer or a Constant node's output).</param>
/// <param name="ActivationInput">A quantized activation input of the same node: the constant takes its 8-bit type.</param>
public sealed record ConstantOperand(Node Node, int Input, string Constant, string ActivationInput);

/// <summary>
/// The constant operands the deploy model quantizes. ONNX Runtime fuses DequantizeLinear → Add/Concat →
/// QuantizeLinear into QLinearAdd/QLinearConcat only when every input comes through a DequantizeLinear, so
/// a float constant input (a projection's bias Add after a MatMul or ConvTranspose, a Concat with a
/// constant) would leave the op in float between a DequantizeLinear and a QuantizeLinear: two conversions
/// and a float kernel where one integer kernel runs. Quantizing the constant too lets the op fuse.
/// </summary>
public static class ConstantOperands
{
    // The ops of the deploy plan with an integer kernel in ONNX Runtime that reads constants as well.
    private static readonly HashSet<string> FusingOps = ["Add", "Concat"];

    /// <summary>
    /// The float constant inputs of Add and Concat nodes whose other inputs and output
    /// <paramref name="plan"/> carries in 8 bits, in graph order.
    /// </summary>
    public static IReadOnlyList<ConstantOperand> Find(ModelGraph graph, DeployTensorPlan plan)
    {
        var operands = new List<ConstantOperand>();
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && FusingOps.Contains(n.OpType)))
        {
            var constants = FloatConstantInputs(graph, node).ToList();
            var activations = node.Inputs.Where(i => i.Length > 0 && graph.ConstantValue(i) is null).ToList();
            if (constants.Count == 0 || activations.Count == 0 || !activations.All(plan.Contains)) continue;
            if (!plan.Contains(DeployTensorPlan.ActivationOutput(graph, node))) continue;
            operands.AddRange(constants.Select(i => new ConstantOperand(node, i, node.Inputs[i], activations[0])));
        }
        return operands;
    }

    private static IEnumerable<int> FloatConstantInputs(ModelGraph graph, Node node) =>
        Enumerable.Range(0, node.Inputs.Count).Where(i =>
            node.Inputs[i].Length > 0 && graph.ConstantValue(node.Inputs[i]) is { DataType: (int)DataType.Float });
}
