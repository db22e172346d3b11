using Calib.Algorithms.Preparation;
using Calib.Graph;
using Calib.Graph.Caffe;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// <c>calib convert</c>: a Caffe model to an ONNX file, written as calib loads it (without initializers no node reads);
/// a model above 2 GiB gets its data file beside it.
/// </summary>
public static class CaffeConversion
{
    /// <summary>Converts <paramref name="source"/> and writes it to <paramref name="target"/>.</summary>
    /// <param name="source">The prototxt and caffemodel.</param>
    /// <param name="target">The .onnx file to write.</param>
    /// <param name="warn">Receives the conversion's notes.</param>
    /// <returns>The converted model with what the conversion found (inputs, joined layers, restrictions).</returns>
    /// <exception cref="CalibException">A file is missing or invalid, or the target cannot be written.</exception>
    public static LoadedModel Convert(ModelSource source, string target, Action<string>? warn = null)
    {
        var loaded = ModelLoader.Load(source.Path, source.WeightsPath, new CaffeImportOptions { InputShape = source.InputShape, Warn = warn });
        OnnxModelFile.Save(UnusedInitializerRemoval.Run(loaded.Model), target);
        return loaded;
    }
}
