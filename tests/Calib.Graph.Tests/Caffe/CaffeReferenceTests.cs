using Calib.Graph.Caffe;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.Caffe;

/// <summary>
/// SPEC §2 fidelity: every real Caffe model of ../shared/data/caffe converts, passes onnx.checker,
/// and reproduces OpenCV's Caffe outputs and every dumped intermediate layer within
/// max |error| ≤ 1e-4 × max |reference|; layers without a dump match in shape and statistics.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class CaffeReferenceTests
{
    private const double Tolerance = 1e-4;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("lenet-mnist", "ref")]
    [DataRow("lenet-mnist-v1", "ref")]
    [DataRow("cifar10-quick", "ref")]
    [DataRow("cifar10-full-v1", "ref")]
    [DataRow("mtcnn", "ref/det1")]
    [DataRow("mtcnn", "ref/det2")]
    [DataRow("mtcnn", "ref/det3")]
    [DataRow("mtcnn", "ref/det4")]
    [DataRow("fsrcnn", "ref")]
    [DataRow("ultraface-slim-320", "ref")]
    public void The_converted_model_reproduces_the_reference(string folder, string refDir)
    {
        var reference = CaffeReference.Open(folder, refDir);
        var import = CaffeImporter.Import(reference.Prototxt, reference.Caffemodel);
        var path = Path.Combine(RepoPaths.NewTempDirectory(), $"{folder}.onnx");
        OnnxModelFile.Save(import.Model, path);
        Assert.IsNull(OnnxChecker.Check(path));

        var tops = reference.LayerTops().ToList();
        var tensors = tops.Select(t => import.LayerOutputs[t.Layer][t.Index]).Distinct().ToList();
        var (_, input, shape) = reference.Inputs().Single();
        using var runner = ModelRunner.Create(OnnxModelFile.Load(path), extraOutputs: tensors);
        using var result = runner.Run(runner.InputNames.Single(), input, shape);

        var worst = 0.0;
        foreach (var (blob, file) in reference.Outputs())
        {
            var (expected, expectedShape) = reference.Read(file);
            CollectionAssert.AreEqual(expectedShape, result.Shape(blob), $"output {blob}");
            worst = Math.Max(worst, Compare($"output {blob}", expected, result.Floats(blob)));
        }
        foreach (var top in tops)
        {
            var tensor = import.LayerOutputs[top.Layer][top.Index];
            CollectionAssert.AreEqual(top.Shape, result.Shape(tensor), $"layer {top.Layer} top {top.Index}");
            var actual = result.Floats(tensor);
            if (top.File is not null) worst = Math.Max(worst, Compare($"layer {top.Layer}", reference.Read(top.File).Values, actual));
            else CompareStatistics(top, actual);
        }
        TestContext.WriteLine($"{folder} {refDir}: max |error| / max |reference| = {worst:E2} over {tops.Count} layer outputs");
    }

    // Returns max |error| / max |reference|, failing above the tolerance.
    private static double Compare(string what, float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        double scale = 0, error = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }
        Assert.IsTrue(error <= Tolerance * scale, $"{what}: max |error| {error:G3} > {Tolerance} × max |reference| {scale:G3}");
        return scale == 0 ? 0 : error / scale;
    }

    private static void CompareStatistics(CaffeReference.LayerTop top, ReadOnlySpan<float> actual)
    {
        double min = double.MaxValue, max = double.MinValue, sum = 0;
        foreach (var v in actual)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }
        var scale = Math.Max(Math.Abs(top.Min), Math.Abs(top.Max));
        var what = $"layer {top.Layer} (no dump)";
        Assert.AreEqual(top.Min, min, Tolerance * scale, $"{what}: min");
        Assert.AreEqual(top.Max, max, Tolerance * scale, $"{what}: max");
        Assert.AreEqual(top.Mean, sum / actual.Length, Tolerance * scale, $"{what}: mean");
    }
}
