using Calib.Graph.Ir;

namespace Calib.Graph.Caffe;

/// <summary>How to import a Caffe model.</summary>
public sealed record CaffeImportOptions
{
    /// <summary>The shape (N,C,H,W…) of the network's single input, overriding the prototxt; needed for data layers whose image size the prototxt does not state.</summary>
    public long[]? InputShape { get; init; }

    /// <summary>Receives warnings (skipped prototxt fields, a mean file not found, …) as they occur.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>A Caffe model converted to ONNX, and what the conversion found out.</summary>
/// <param name="Model">The ONNX model (opset 13): node names are Caffe layer names, inputs and outputs keep Caffe's blob names.</param>
/// <param name="Inputs">The network inputs with their Caffe shapes (the ONNX inputs leave the batch free).</param>
/// <param name="Preprocessing">The TEST-phase data layer's preprocessing; null for deploy nets.</param>
/// <param name="LayerOutputs">Caffe layer name → the tensors holding its tops after it ran (pass-through layers: their bottom's tensor).</param>
/// <param name="Restrictions">Node name → why AMCT does not quantize it (also stored in the model's metadata).</param>
/// <param name="MergedLayers">Scale layer name → the BatchNorm layer whose node it joined.</param>
/// <param name="Warnings">Everything the conversion warned about.</param>
public sealed record CaffeImport(
    OnnxModel Model,
    IReadOnlyList<CaffeInput> Inputs,
    CaffePreprocessing? Preprocessing,
    IReadOnlyDictionary<string, IReadOnlyList<string>> LayerOutputs,
    IReadOnlyDictionary<string, string> Restrictions,
    IReadOnlyDictionary<string, string> MergedLayers,
    IReadOnlyList<string> Warnings);
