using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Tests.Shared;

/// <summary>
/// The graph ONNX Runtime actually runs for a model after its optimizations (<c>SessionOptions.OptimizedModelFilePath</c>):
/// which Q/DQ groups became integer kernels (QLinearConv, QGemm, QLinearAdd, …) and which stayed float.
/// </summary>
public static class OptimizedGraph
{
    /// <summary>ONNX Runtime's optimized graph of the model file at <paramref name="modelPath"/>.</summary>
    public static ModelGraph Of(string modelPath) => Of(OnnxModelFile.Load(modelPath));

    /// <summary>ONNX Runtime's optimized graph of <paramref name="model"/>, on the CPU with its default options.</summary>
    public static ModelGraph Of(OnnxModel model)
    {
        var optimized = Path.Combine(RepoPaths.NewTempDirectory(), "ort_optimized.onnx");
        // Creating the session is what writes the optimized graph.
        ModelRunner.Create(model, new ExecutionOptions { OptimizedModelPath = optimized }).Dispose();
        return OnnxModelFile.Load(optimized).Graph;
    }
}
