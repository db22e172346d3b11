using Calib.Graph.Caffe;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Graph.Tests.Caffe;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.Passes;

/// <summary>
/// Cross-layer equalization on the trained Caffe models of ../shared/data: the prepared, equalized model computes
/// the original's outputs on each model's reference photo (plain ONNX Runtime), and the pairs found are the ones
/// the architecture has (ultraface-slim: depthwise-separable blocks with ReLU; mtcnn: PReLU).
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class CrossLayerEqualizationRealModelTests
{
    [TestMethod]
    [DataRow("ultraface-slim-320", "ref", 30)]
    [DataRow("mtcnn", "ref/det1", 2)]
    [DataRow("mtcnn", "ref/det2", 2)]
    [DataRow("mtcnn", "ref/det3", 3)]
    [DataRow("fsrcnn", "ref", 6)]
    public void The_equalized_model_computes_the_original_outputs(string folder, string refDir, int pairs)
    {
        var reference = CaffeReference.Open(folder, refDir);
        var original = CaffeImporter.Import(reference.Prototxt, reference.Caffemodel).Model;

        var (equalized, changes) = GraphPreparation.Run(original, new GraphPreparation.Options(Equalize: true));

        var equalizations = changes.Where(c => c.Pass == CrossLayerEqualization.PassName).Select(c => c.Description).ToList();
        Assert.AreEqual(pairs, equalizations.Count, string.Join("\n", equalizations));
        var (_, input, shape) = reference.Inputs().Single();
        using var expected = ModelRunner.Create(original);
        using var actual = ModelRunner.Create(equalized);
        using var before = expected.Run(expected.InputNames.Single(), input, shape);
        using var after = actual.Run(actual.InputNames.Single(), input, shape);
        foreach (var output in expected.OutputNames)
        {
            var (x, y) = (before.Floats(output).ToArray(), after.Floats(output).ToArray());
            var cosine = x.Zip(y).Sum(p => (double)p.First * p.Second) / Math.Sqrt(x.Sum(v => (double)v * v) * y.Sum(v => (double)v * v));
            var worst = x.Zip(y).Max(p => Math.Abs(p.First - p.Second)) / x.Max(Math.Abs);
            Assert.IsTrue(cosine >= 0.999999 && worst <= 1e-4, $"{folder} {refDir} output {output}: cosine {cosine}, max |difference| / max |output| {worst}");
        }
    }
}
