using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Quantization;

/// <summary>
/// Which activation tensors the deploy model carries in 8 bits. ONNX Runtime fuses
/// DequantizeLinear → op → QuantizeLinear into integer kernels (QLinearConv, QGemm,
/// QLinearAdd, …) only when the op's inputs and output are all quantized, so the deploy model
/// quantizes activations end to end: the inputs and outputs of quantized layers, and of Add,
/// Concat, pooling and reshaping nodes whose inputs are already quantized. A Relu or Clip that
/// alone reads an op's output is folded into the output's range (its output is quantized
/// instead, and ONNX Runtime then drops it). MaxPool and reshaping nodes pass their input's
/// quantization through unchanged, as ONNX Runtime's integer versions of them require. A tensor
/// that only float nodes would read is left float (no Q/DQ round trip ahead of float nodes).
/// Output heads stay float (see <see cref="OutputHeads"/>): a model output, or the input of a
/// Softmax/Sigmoid, would otherwise be cut to 256 levels after the last layer, which costs the
/// high-confidence values most; the layer producing it then runs as a float kernel on dequantized
/// input and weights.
/// </summary>
public sealed class DeployTensorPlan
{
    private static readonly HashSet<string> MixingOps = ["Add", "Concat", "GlobalAveragePool", "AveragePool"];
    private static readonly HashSet<string> PassingOps = ["MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"];

    private static readonly HashSet<string> ProbabilityOps = ["Softmax", "LogSoftmax", "Sigmoid"];

    // Layers whose 8-bit output buys no integer kernel: ONNX Runtime runs MatMul/Gemm with a float output too
    // (DequantizeLinear → MatMul/Gemm without a QuantizeLinear: MatMulIntegerToFloat, QGemm), and has no integer
    // ConvTranspose at all, so an output only float nodes read needs no Q/DQ.
    private static readonly HashSet<string> FloatOutputOps = ["MatMul", "Gemm", "ConvTranspose"];

    private readonly List<string> _calibrated = [];
    private readonly HashSet<string> _calibratedSet = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _inheritFrom = new(StringComparer.Ordinal);

    /// <summary>Tensors whose range is calibrated, in graph order.</summary>
    public IReadOnlyList<string> Calibrated => _calibrated;

    /// <summary>Every quantized tensor, calibrated or inherited.</summary>
    public IEnumerable<string> All => _calibrated.Concat(_inheritFrom.Keys);

    /// <summary>The calibrated tensor whose quantization <paramref name="tensor"/> uses.</summary>
    public string SourceOf(string tensor) => _inheritFrom.TryGetValue(tensor, out var source) ? SourceOf(source) : tensor;

    /// <summary>True when <paramref name="tensor"/> is quantized in the deploy model.</summary>
    public bool Contains(string tensor) => _calibratedSet.Contains(tensor) || _inheritFrom.ContainsKey(tensor);

    /// <summary>Plans the deploy tensors of <paramref name="graph"/> around the quantized <paramref name="layers"/>.</summary>
    /// <param name="graph">The prepared graph.</param>
    /// <param name="layers">
    /// The quantized layers, each with the activations it reads in 8 bits: its data input, and the second
    /// activation of a MatMul of two activations.
    /// </param>
    /// <param name="floatIslands">
    /// Nodes whose output stays float even when their inputs are 8-bit: otherwise ONNX Runtime fuses
    /// DequantizeLinear → AveragePool → QuantizeLinear into its integer kernel, and a layer kept float
    /// for speed would run in int8 all the same. Null or empty: none.
    /// </param>
    /// <param name="integerLayerOutputs">
    /// Quantize a Conv or AveragePool layer's output even when only float nodes read it (a PRelu, a hardswish's
    /// Mul, a SiLU's Sigmoid), so that the layer runs as an integer kernel (QLinearConv): faster, at the cost
    /// of one more rounding than the fake-quant model has. False (accuracy placements) leaves such an output
    /// float, so the deploy model rounds exactly where the fake-quant model does (the default, as in <c>CalibrationPlan.Build</c>).
    /// </param>
    public static DeployTensorPlan Build(ModelGraph graph, IReadOnlyDictionary<Node, IReadOnlyList<string>> layers, IReadOnlySet<string>? floatIslands = null,
        bool integerLayerOutputs = false)
    {
        var plan = new DeployTensorPlan();
        var heads = OutputHeads(graph);
        foreach (var layer in graph.Nodes.Where(layers.ContainsKey))
        {
            foreach (var input in layers[layer]) plan.Calibrate(input);
            if (ActivationOutput(graph, layer) is var output && !heads.Contains(output)) plan.Calibrate(output);
        }
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var node in graph.Nodes.Where(n => n.IsStandard && !layers.ContainsKey(n) && floatIslands?.Contains(n.Name) != true))
                changed |= plan.TryExtend(graph, node, heads);
        }
        plan.DropTensorsReadOnlyInFloat(graph, layers, integerLayerOutputs);
        return plan;
    }

    /// <summary>
    /// The tensors the deploy model keeps float because they are what the model answers: the graph
    /// outputs, and going back from those through Concat, MaxPool and reshaping nodes (which would carry
    /// an 8-bit input's levels to them unchanged) and through the Softmax, LogSoftmax and Sigmoid that
    /// produce them (their logits). A detector's box regressions and class logits, a classifier's
    /// logits, a super-resolution image: each keeps the float precision its last layer computes. A
    /// Sigmoid inside the network (SiLU, a squeeze-excitation gate) does not make its input a head.
    /// </summary>
    public static IReadOnlySet<string> OutputHeads(ModelGraph graph)
    {
        var heads = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var node in graph.Nodes.Where(n => n.IsStandard && heads.Contains(n.Outputs[0]) &&
                         (PassingOps.Contains(n.OpType) || ProbabilityOps.Contains(n.OpType) || n.OpType == "Concat")))
                foreach (var input in DataInputs(graph, node))
                    changed |= heads.Add(input);
        }
        return heads;
    }

    /// <summary>
    /// Takes out of the plan the tensors that only float nodes read (not a layer's input, not — with integer
    /// layer outputs — the output of a layer whose integer kernel needs one; graph outputs are heads and never planned), repeating until none is left: such a tensor costs a QuantizeLinear and a
    /// DequantizeLinear that buy no integer kernel, and ONNX Runtime then gives each float reader a copy of
    /// the DequantizeLinear, which keeps it from fusing the float nodes behind it (LayerNormalization after
    /// a residual Add, Gelu after a projection's bias Add). The node that wrote the tensor then runs in float.
    /// </summary>
    /// <remarks>
    /// A worklist over an index of each tensor's readers, linear in the graph's size: a node reads in 8 bits when it is a
    /// mixing node whose output, or a passing node whose output, is 8-bit, so a tensor taken out can only turn the nodes
    /// whose 8-bit output it was into float readers, and only their inputs are looked at again. Whatever the order, the
    /// same tensors go: taking one out never makes another read in 8 bits.
    /// </remarks>
    private void DropTensorsReadOnlyInFloat(ModelGraph graph, IReadOnlyDictionary<Node, IReadOnlyList<string>> layers, bool integerLayerOutputs)
    {
        var kept = layers.SelectMany(l => !integerLayerOutputs || FloatOutputOps.Contains(l.Key.OpType) ? l.Value : l.Value.Append(ActivationOutput(graph, l.Key)))
            .ToHashSet(StringComparer.Ordinal);
        var readers = graph.Nodes.SelectMany(n => n.Inputs.Distinct(StringComparer.Ordinal).Select(input => (Input: input, Node: n)))
            .ToLookup(r => r.Input, r => r.Node, StringComparer.Ordinal);
        var eightBitOutputs = graph.Nodes.Where(n => MixingOps.Contains(n.OpType) || PassingOps.Contains(n.OpType))
            .ToDictionary(n => n, n => MixingOps.Contains(n.OpType) ? ActivationOutput(graph, n, t => readers[t]) : n.Outputs[0]);
        var decidedBy = eightBitOutputs.ToLookup(e => e.Value, e => e.Key, StringComparer.Ordinal);
        bool ReadsIn8Bits(Node node) => eightBitOutputs.TryGetValue(node, out var output) && Contains(output);

        var pending = new Queue<string>(All);
        while (pending.TryDequeue(out var tensor))
        {
            if (!Contains(tensor) || kept.Contains(tensor) || readers[tensor].Any(ReadsIn8Bits)) continue;
            _calibratedSet.Remove(tensor);
            _inheritFrom.Remove(tensor);
            foreach (var node in decidedBy[tensor])
                foreach (var input in node.Inputs) pending.Enqueue(input);
        }
        // Taken out of the ordered list once, at the end: removing one by one would be quadratic again.
        _calibrated.RemoveAll(t => !_calibratedSet.Contains(t));
    }

    /// <summary>
    /// The tensor to quantize for a node's output: the output of a Relu, or of a Clip with constant
    /// bounds, that is the sole reader of the node's output; otherwise the node's output itself.
    /// </summary>
    public static string ActivationOutput(ModelGraph graph, Node node) => ActivationOutput(graph, node, graph.ConsumersOf);

    // readersOf: the nodes that read a tensor, each once, in graph order (ModelGraph.ConsumersOf, or an index of it).
    private static string ActivationOutput(ModelGraph graph, Node node, Func<string, IEnumerable<Node>> readersOf)
    {
        var output = node.Outputs[0];
        if (graph.IsGraphOutput(output)) return output;
        var readers = readersOf(output).ToList();
        return readers is [{ IsStandard: true } activation] && IsFoldableActivation(graph, activation)
            ? activation.Outputs[0]
            : output;
    }

    private bool TryExtend(ModelGraph graph, Node node, IReadOnlySet<string> heads)
    {
        var mixing = MixingOps.Contains(node.OpType);
        if (!mixing && !PassingOps.Contains(node.OpType)) return false;
        var inputs = DataInputs(graph, node).ToList();
        if (inputs.Count == 0 || !inputs.All(Contains) || heads.Contains(node.Outputs[0])) return false;
        if (mixing)
        {
            var output = ActivationOutput(graph, node);
            if (Contains(output) || heads.Contains(output)) return false;
            Calibrate(output);
            return true;
        }
        // A layer input that a MaxPool or reshape produced takes that node's input quantization.
        if (_inheritFrom.ContainsKey(node.Outputs[0])) return false;
        if (_calibratedSet.Remove(node.Outputs[0])) _calibrated.Remove(node.Outputs[0]);
        _inheritFrom[node.Outputs[0]] = inputs[0];
        return true;
    }

    // The float, non-constant inputs an integer kernel would read (shape inputs excluded).
    private static IEnumerable<string> DataInputs(ModelGraph graph, Node node) => node.OpType switch
    {
        "Reshape" or "Squeeze" or "Unsqueeze" => [node.Inputs[0]],
        _ => node.Inputs.Where(i => i.Length > 0 && graph.ConstantValue(i) is null),
    };

    private static bool IsFoldableActivation(ModelGraph graph, Node node) => node.OpType switch
    {
        "Relu" => true,
        "Clip" => node.Inputs.Skip(1).All(b => b.Length == 0 || graph.ConstantValue(b) is { DataType: (int)DataType.Float }),
        _ => false,
    };

    private void Calibrate(string tensor)
    {
        if (!Contains(tensor) && _calibratedSet.Add(tensor)) _calibrated.Add(tensor);
    }
}
