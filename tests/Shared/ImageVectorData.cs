using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Tests.Shared;

/// <summary>
/// A two-input model built in code — an image [batch,3,8,8] and a side vector [batch,4] — and mixed
/// calibration data for it: BMP images (written by hand, no image library needed) for the image input
/// and .npz partners of the same stems for the vector.
/// </summary>
public static class ImageVectorData
{
    /// <summary>
    /// y = MatMul(ReduceMean(Relu(Conv(image))) + MatMul(vector, Wv), Wh): the vector MatMul's input is the
    /// vector itself, so its observed range shows which vectors were fed.
    /// </summary>
    public static string Model(string directory)
    {
        var random = new Random(11);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var graph = new ModelGraph("image_vector");
        graph.Inputs.Add(ValueInfos.Tensor("image", DataType.Float, "batch", 3, 8, 8));
        graph.Inputs.Add(ValueInfos.Tensor("vector", DataType.Float, "batch", 4));
        graph.AddInitializer("w_conv", TensorData.FromFloats([4, 3, 3, 3], Values(108)));
        graph.AddInitializer("b_conv", TensorData.FromFloats([4], Values(4)));
        graph.AddInitializer("w_vec", TensorData.FromFloats([4, 4], Values(16)));
        graph.AddInitializer("w_head", TensorData.FromFloats([4, 3], Values(12)));
        graph.AddNode("Conv", "conv", ["image", "w_conv", "b_conv"], ["c"]).Attributes.Set("pads", [1L, 1, 1, 1]);
        graph.AddNode("Relu", "relu", ["c"], ["r"]);
        var mean = graph.AddNode("ReduceMean", "mean", ["r"], ["m"]);
        mean.Attributes.Set("axes", [2L, 3]);
        mean.Attributes.Set("keepdims", 0L);
        graph.AddNode("MatMul", "vec", ["vector", "w_vec"], ["v"]);
        graph.AddNode("Add", "join", ["m", "v"], ["j"]);
        graph.AddNode("MatMul", "head", ["j", "w_head"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", 3));
        var path = Path.Combine(directory, "image_vector.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), path);
        return path;
    }

    /// <summary>The vector of sample <paramref name="i"/>: samples 0–7 span the range of every sample.</summary>
    public static float[] Vector(int i) => [i % 8, -0.5f * (i % 8), 0.25f, (i % 3) * 0.5f];

    /// <summary>
    /// <paramref name="count"/> samples: <c>images/NNNN.bmp</c> and <c>extras/NNNN.npz</c> (the vector, one sample [4]),
    /// or both in <c>images/</c> when <paramref name="oneFolder"/>. Returns the image folder and the .npz folder.
    /// </summary>
    public static (string Images, string Extras) Write(string directory, int count, bool oneFolder = false)
    {
        var images = Directory.CreateDirectory(Path.Combine(directory, "images")).FullName;
        var extras = oneFolder ? images : Directory.CreateDirectory(Path.Combine(directory, "extras")).FullName;
        for (var i = 0; i < count; i++)
        {
            BmpFile.Write(Path.Combine(images, $"{i:D4}.bmp"), 8, 8, (y, x) => ((byte)(30 * i + 8 * x), (byte)(255 - 20 * y), (byte)(17 * (x + y + i))));
            NumpyFiles.Npz(Path.Combine(extras, $"{i:D4}.npz"), ("vector", NpyEntry.Floats([4], Vector(i))));
        }
        return (images, extras);
    }
}
