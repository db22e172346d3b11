using Calib.Graph.Caffe;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Graph;

/// <summary>A model loaded for calib: the ONNX IR, and for Caffe models what the conversion found.</summary>
/// <param name="Model">The model.</param>
/// <param name="Caffe">The Caffe conversion, or null for an ONNX file.</param>
public sealed record LoadedModel(OnnxModel Model, CaffeImport? Caffe)
{
    /// <summary>
    /// The preprocessing the model carries: a Caffe train/test net's transform_param, converted now or
    /// stored in a converted model's metadata; null when there is none.
    /// </summary>
    public CaffePreprocessing? Preprocessing =>
        Caffe is not null ? Caffe.Preprocessing
        : Model.GetMetadata(CaffePreprocessing.MetadataKey) is { } json ? CaffePreprocessing.FromJson(json)
        : null;
}

/// <summary>
/// The one way calib's commands load a model: an .onnx file, or a Caffe prototxt with its trained
/// caffemodel (<c>--weights</c>), converted on the fly.
/// </summary>
public static class ModelLoader
{
    private static readonly string[] PrototxtExtensions = [".prototxt", ".pt"];

    /// <summary>Loads <paramref name="modelPath"/>; with <paramref name="weightsPath"/> it is a Caffe prototxt.</summary>
    /// <param name="modelPath">An .onnx file, or a Caffe .prototxt.</param>
    /// <param name="weightsPath">The Caffe .caffemodel; required for a prototxt, not allowed for ONNX.</param>
    /// <param name="caffeOptions">Options of the Caffe conversion.</param>
    /// <exception cref="CalibException">A file is missing or unreadable, or the weights do not go with the model kind.</exception>
    public static LoadedModel Load(string modelPath, string? weightsPath = null, CaffeImportOptions? caffeOptions = null)
    {
        var isPrototxt = PrototxtExtensions.Contains(Path.GetExtension(modelPath), StringComparer.OrdinalIgnoreCase);
        if (weightsPath is null)
        {
            if (isPrototxt)
                throw new CalibException(
                    $"Model '{modelPath}' is a Caffe prototxt, not an ONNX model: pass its trained weights with --weights net.caffemodel.");
            if (caffeOptions?.InputShape is not null)
                throw new CalibException("--input-shape applies to Caffe models (a prototxt with --weights) only.");
            return new LoadedModel(OnnxModelFile.Load(modelPath), null);
        }
        if (Path.GetExtension(modelPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new CalibException(
                $"--weights '{weightsPath}' is for Caffe models, but '{modelPath}' is an ONNX model, which holds its own weights: leave --weights out.");
        var import = CaffeImporter.Import(modelPath, weightsPath, caffeOptions);
        return new LoadedModel(import.Model, import);
    }
}
