using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Operators;

/// <summary>
/// Everything calib knows about one kind of quantizable ONNX operator: when a node of it is
/// quantized (AMCT's restriction and its reason), which input is the weight and along which axis
/// its output channels lie, the bias input and how Gemm's β scales it, the AMCT/Caffe type name
/// configs use, and whether a BatchNormalization after it folds in. The finder, the preparation
/// passes and the fake-quant and deploy writers ask this type, never the operator name; a new kind
/// is one subclass and one line in <see cref="OperatorRegistry.Default"/>.
/// </summary>
public abstract class QuantizableOperator
{
    /// <summary>The ONNX operator (default domain) this kind handles.</summary>
    public abstract string OpType { get; }

    /// <summary>The AMCT/Caffe layer type the operator answers to in configs (Convolution, InnerProduct, …).</summary>
    public abstract string AmctType { get; }

    /// <summary>The index of the constant weight input; null for layers quantized on their input only.</summary>
    public virtual int? WeightInput => 1;

    /// <summary>The index of the optional bias input; null when the operator has none.</summary>
    public virtual int? BiasInput => 2;

    /// <summary>
    /// The index of a second activation input that <paramref name="node"/> multiplies by in place of a weight
    /// (a MatMul of two activations); null when the layer has a constant weight or reads one activation.
    /// That input is observed and quantized like the first (uint8), and the layer then has no weight.
    /// </summary>
    public virtual int? SecondActivationInput(ModelGraph graph, Node node) => null;

    /// <summary>Why <paramref name="node"/> stays float under AMCT's restrictions; null when it is quantized.</summary>
    public abstract string? Restriction(ModelGraph graph, Node node);

    /// <summary>The axis of the weight that indexes output channels (per-channel scales run along it).</summary>
    public virtual int WeightAxis(Node node) => 0;

    /// <summary>The factor the operator applies to its bias (Gemm's β); 1 for most.</summary>
    public virtual float BiasFactor(Node node) => 1f;

    /// <summary>Makes the operator add its bias as it is, after the factor was folded into the bias values.</summary>
    public virtual void ClearBiasFactor(Node node) { }

    /// <summary>True when a BatchNormalization reading this node's output may be folded into its weight and bias.</summary>
    public virtual bool FoldsBatchNorm(Node node) => false;

    /// <summary>
    /// Maps a flat index of the weight (shape <paramref name="dims"/>) to the output channel it feeds,
    /// for folding per-channel factors into the weight.
    /// </summary>
    public virtual Func<int, int> OutputChannelOf(Node node, long[] dims)
    {
        var perChannel = (int)(dims.Aggregate(1L, (a, b) => a * b) / dims[0]);
        return i => i / perChannel;
    }

    /// <summary>
    /// How many output channels a weight of shape <paramref name="dims"/> feeds; null when such dims cannot be
    /// this kind's weight (e.g. a group count that does not divide them).
    /// </summary>
    public virtual long? OutputChannelCount(Node node, long[] dims) => dims[0];

    /// <summary>The weight's restriction shared by weighted kinds: a float32 constant of <paramref name="rank"/> dimensions.</summary>
    protected string? ConstantWeightRestriction(ModelGraph graph, Node node, int rank, string what)
    {
        var input = node.InputOrNull(WeightInput!.Value);
        var weight = input is null ? null : graph.ConstantValue(input);
        if (weight is null) return $"weight '{input ?? ""}' is not a constant";
        var type = TensorData.TypeOf(weight);
        if (type != DataType.Float) return $"weight is {type}, not float32";
        return weight.Dims.Count != rank ? $"{what} is {weight.Dims.Count}-D, not {rank}-D" : null;
    }

    /// <summary>An attribute's values for a reason text: "2" when all equal, else "2x1".</summary>
    protected static string FormatAll(long[] values) =>
        values.Distinct().Count() == 1 ? values[0].ToString() : string.Join("x", values);
}
