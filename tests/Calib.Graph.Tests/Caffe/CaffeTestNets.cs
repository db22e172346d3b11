using Calib.Graph.Caffe;
using Calib.Graph.Caffe.Proto;
using Calib.Graph.Execution;
using Calib.Graph.TextFormat;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Graph.Tests.Caffe;

/// <summary>Small Caffe nets built in code, written as a prototxt and a caffemodel, converted and run.</summary>
internal static class CaffeTestNets
{
    /// <summary>A net with one input blob "data" of <paramref name="shape"/> and the given layers.</summary>
    public static NetParameter Net(long[] shape, params LayerParameter[] layers)
    {
        var net = new NetParameter { Name = "test" };
        net.Input.Add("data");
        var blobShape = new BlobShape();
        blobShape.Dim.AddRange(shape);
        net.InputShape.Add(blobShape);
        net.Layer.AddRange(layers);
        return net;
    }

    /// <summary>A layer of <paramref name="type"/> reading <paramref name="bottoms"/> and writing <paramref name="tops"/>.</summary>
    public static LayerParameter Layer(string name, string type, string[] bottoms, string[] tops, params BlobProto[] blobs)
    {
        var layer = new LayerParameter { Name = name, Type = type };
        layer.Bottom.AddRange(bottoms);
        layer.Top.AddRange(tops);
        layer.Blobs.AddRange(blobs);
        return layer;
    }

    /// <summary>A blob with a BlobShape.</summary>
    public static BlobProto Blob(long[] dims, float[] values)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        blob.Shape.Dim.AddRange(dims);
        blob.Data.AddRange(values);
        return blob;
    }

    /// <summary>Deterministic values in [−1, 1).</summary>
    public static float[] Values(long count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Writes the net as deploy prototxt (without blobs) and caffemodel (with blobs); returns both paths.</summary>
    public static (string Prototxt, string Caffemodel) Write(NetParameter net)
    {
        var dir = RepoPaths.NewTempDirectory();
        var deploy = net.Clone();
        foreach (var layer in deploy.Layer) layer.Blobs.Clear();
        foreach (var layer in deploy.Layers) layer.Blobs.Clear();
        var prototxt = Path.Combine(dir, "net.prototxt");
        var caffemodel = Path.Combine(dir, "net.caffemodel");
        File.WriteAllText(prototxt, TextFormatWriter.Write(deploy));
        File.WriteAllBytes(caffemodel, net.ToByteArray());
        return (prototxt, caffemodel);
    }

    /// <summary>Converts the net.</summary>
    public static CaffeImport Import(NetParameter net, CaffeImportOptions? options = null)
    {
        var (prototxt, caffemodel) = Write(net);
        return CaffeImporter.Import(prototxt, caffemodel, options);
    }

    /// <summary>Runs a converted model on <paramref name="input"/> and returns the named tensors (graph outputs or intermediate).</summary>
    public static Dictionary<string, (float[] Values, long[] Shape)> Run(CaffeImport import, float[] input, long[] shape, params string[] tensors)
    {
        using var runner = ModelRunner.Create(import.Model, extraOutputs: tensors.Where(t => !import.Model.Graph.IsGraphOutput(t)));
        using var result = runner.Run(runner.InputNames.Single(), input, shape);
        return tensors.ToDictionary(t => t, t => (result.Floats(t).ToArray(), result.Shape(t)));
    }

    /// <summary>Converts and runs a net whose single input is "data", returning output <paramref name="output"/>.</summary>
    public static (float[] Values, long[] Shape) RunNet(NetParameter net, float[] input, string output)
    {
        var import = Import(net);
        return Run(import, input, net.InputShape[0].Dim.ToArray(), output)[output];
    }

    /// <summary>Asserts element-wise closeness (absolute tolerance scaled by the largest expected value).</summary>
    public static void AssertClose(float[] expected, float[] actual, double relative = 1e-5, string what = "")
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: element count");
        var scale = Math.Max(expected.Max(Math.Abs), 1e-6f);
        for (var i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], relative * scale, $"{what}: element {i}");
    }
}
