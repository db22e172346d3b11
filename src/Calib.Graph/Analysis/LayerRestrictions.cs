using System.Text.Json;
using Calib.Graph.Ir;

namespace Calib.Graph.Analysis;

/// <summary>
/// Reasons, by node name, why layers stay float although their ONNX form would be quantizable:
/// AMCT's restrictions that only the source framework can tell (a Caffe InnerProduct with
/// <c>transpose: true</c> or <c>axis ≥ 2</c> becomes an ordinary Gemm or MatMul). Importers store
/// them in the model's metadata, so a converted .onnx file keeps them.
/// </summary>
public static class LayerRestrictions
{
    /// <summary>The metadata_props key holding the restrictions as a JSON object (node name → reason).</summary>
    public const string MetadataKey = "calib.layer_restrictions";

    /// <summary>The restrictions stored in <paramref name="model"/>; empty when it has none.</summary>
    /// <exception cref="CalibException">The metadata entry is not a JSON object of strings.</exception>
    public static IReadOnlyDictionary<string, string> Of(OnnxModel model)
    {
        if (model.GetMetadata(MetadataKey) is not { } json) return new Dictionary<string, string>();
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CalibException(
                $"Model '{model.Graph.Name}' has a metadata entry '{MetadataKey}' that is not a JSON object of layer names and reasons ({e.Message}). Remove the entry or convert the model again.");
        }
    }

    /// <summary>Stores <paramref name="restrictions"/> in <paramref name="model"/>'s metadata (nothing when empty).</summary>
    public static void Store(OnnxModel model, IReadOnlyDictionary<string, string> restrictions)
    {
        if (restrictions.Count > 0) model.SetMetadata(MetadataKey, JsonSerializer.Serialize(restrictions));
    }
}
