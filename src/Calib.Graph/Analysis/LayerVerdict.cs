using Calib.Graph.Ir;

namespace Calib.Graph.Analysis;

/// <summary>The kinds of layer calib quantizes (AMCT's supported layers).</summary>
public enum QuantizableKind
{
    /// <summary>Convolution: weights and input.</summary>
    Conv,

    /// <summary>Deconvolution (ConvTranspose): weights and input.</summary>
    ConvTranspose,

    /// <summary>Fully connected layer as Gemm: weights and input.</summary>
    Gemm,

    /// <summary>Fully connected layer as MatMul with a constant 2-D weight: weights and input.</summary>
    MatMul,

    /// <summary>Non-global average pooling: input only.</summary>
    AveragePool,
}

/// <summary>Whether a node is quantized, and why not when it is not.</summary>
/// <param name="Node">The node judged.</param>
/// <param name="Kind">The layer kind when quantizable.</param>
/// <param name="Reason">Why the node is not quantized; null when it is.</param>
public sealed record LayerVerdict(Node Node, QuantizableKind? Kind, string? Reason)
{
    /// <summary>True when calib quantizes this node.</summary>
    public bool IsQuantizable => Kind is not null;

    /// <summary>The name of the constant weight input for layers that have one.</summary>
    public string? WeightName => Kind is QuantizableKind.AveragePool or null ? null : Node.InputOrNull(1);

    /// <summary>A quantizable verdict.</summary>
    public static LayerVerdict Quantizable(Node node, QuantizableKind kind) => new(node, kind, null);

    /// <summary>A not-quantizable verdict with its reason.</summary>
    public static LayerVerdict NotQuantizable(Node node, string reason) => new(node, null, reason);
}
