using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Data;

/// <summary>A small three-input model and its samples for the tensor-data tests (the files: <see cref="NumpyFiles"/>).</summary>
internal static class TensorDataFiles
{
    /// <summary>
    /// x float32 [batch,4], ids int64 [batch,4], rate int64 scalar: y = MatMul((x + float(ids)) · float(rate), W).
    /// The MatMul's input mixes all three inputs, so its range shows whether each was fed.
    /// </summary>
    public static string ThreeInputModel()
    {
        var graph = new ModelGraph("three_inputs");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 4));
        graph.Inputs.Add(ValueInfos.Tensor("ids", DataType.Int64, "batch", 4));
        graph.Inputs.Add(ValueInfos.Tensor("rate", DataType.Int64));
        graph.AddInitializer("w", TensorData.FromFloats([4, 3], [0.5f, -1, 0.25f, 1, 0.5f, -0.5f, -0.25f, 0.75f, 1, 0.1f, 0.2f, 0.3f]));
        graph.AddNode("Cast", "cast_ids", ["ids"], ["ids_f"]).Attributes.Set("to", (long)DataType.Float);
        graph.AddNode("Cast", "cast_rate", ["rate"], ["rate_f"]).Attributes.Set("to", (long)DataType.Float);
        graph.AddNode("Add", "add", ["x", "ids_f"], ["sum"]);
        graph.AddNode("Mul", "scale", ["sum", "rate_f"], ["scaled"]);
        graph.AddNode("MatMul", "matmul", ["scaled", "w"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", 3));
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "three_inputs.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        return path;
    }

    /// <summary>Sample <paramref name="i"/> of the three-input model's data: x, ids, rate.</summary>
    public static (float[] X, long[] Ids, long Rate) Sample(int i) =>
        ([i * 0.5f, -i, 1.5f, 0.25f * i], [i % 3, 1, 2 * (i % 2), 0], 2);
}
