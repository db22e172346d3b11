namespace Calib.Algorithms.Preparation;

/// <summary>Where a model comes from: an .onnx file, or a Caffe prototxt with its caffemodel.</summary>
/// <param name="Path">The .onnx file or Caffe prototxt.</param>
/// <param name="WeightsPath">The Caffe caffemodel when <paramref name="Path"/> is a prototxt; null for ONNX.</param>
/// <param name="InputShape">The shape of a Caffe model's input when its prototxt does not state it (data layers).</param>
public sealed record ModelSource(string Path, string? WeightsPath = null, long[]? InputShape = null)
{
    /// <summary>The model file name without extension: the stem of every output file.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);
}
