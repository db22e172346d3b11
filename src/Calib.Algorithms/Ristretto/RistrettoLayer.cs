using Calib.Graph.Ir;

namespace Calib.Algorithms.Ristretto;

/// <summary>The layer kinds Ristretto quantizes, and the Ristretto layer type each becomes.</summary>
public enum RistrettoLayerKind
{
    /// <summary>Caffe Convolution (ONNX Conv) → ConvolutionRistretto; its weights are "CONV weights".</summary>
    Convolution,

    /// <summary>Caffe Deconvolution (ONNX ConvTranspose) → DeconvolutionRistretto; searched with the CONV weights.</summary>
    Deconvolution,

    /// <summary>Caffe InnerProduct (ONNX Gemm/MatMul with a constant weight) → FcRistretto; "FC weights".</summary>
    InnerProduct,
}

/// <summary>One layer Ristretto quantizes, located in the ONNX graph.</summary>
/// <param name="Name">The node name (for Caffe models the layer name).</param>
/// <param name="Kind">What kind of layer it is.</param>
/// <param name="Input">The tensor it reads (its bottom).</param>
/// <param name="Output">The tensor it writes (its top).</param>
/// <param name="Weight">The weight initializer.</param>
/// <param name="Bias">The bias initializer, or null.</param>
public sealed record RistrettoLayer(string Name, RistrettoLayerKind Kind, string Input, string Output, string Weight, string? Bias)
{
    /// <summary>True for the layers whose weights Ristretto searches as "CONV weights".</summary>
    public bool IsConvolutional => Kind is RistrettoLayerKind.Convolution or RistrettoLayerKind.Deconvolution;

    /// <summary>The Ristretto layer type written to the quantized prototxt.</summary>
    public string RistrettoType => Kind switch
    {
        RistrettoLayerKind.Convolution => "ConvolutionRistretto",
        RistrettoLayerKind.Deconvolution => "DeconvolutionRistretto",
        _ => "FcRistretto",
    };

    /// <summary>
    /// The Convolution, Deconvolution and InnerProduct layers of <paramref name="graph"/> in graph order:
    /// Conv, ConvTranspose, and Gemm or MatMul whose weight is an initializer.
    /// </summary>
    public static IReadOnlyList<RistrettoLayer> Find(ModelGraph graph)
    {
        var layers = new List<RistrettoLayer>();
        foreach (var node in graph.Nodes)
        {
            RistrettoLayerKind? kind = node.OpType switch
            {
                "Conv" => RistrettoLayerKind.Convolution,
                "ConvTranspose" => RistrettoLayerKind.Deconvolution,
                "Gemm" or "MatMul" => RistrettoLayerKind.InnerProduct,
                _ => null,
            };
            if (kind is null || node.Inputs.Count < 2 || !graph.Initializers.ContainsKey(node.Inputs[1])) continue;
            var bias = node.InputOrNull(2) is { Length: > 0 } b && graph.Initializers.ContainsKey(b) ? b : null;
            layers.Add(new RistrettoLayer(node.Name, kind.Value, node.Inputs[0], node.Outputs[0], node.Inputs[1], bias));
        }
        return layers;
    }
}
