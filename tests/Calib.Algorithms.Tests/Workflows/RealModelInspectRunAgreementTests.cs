using Calib.Algorithms.Calibration;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Workflows;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Workflows;

/// <summary>
/// On every real model (../shared/data) and every model of ONNX's test suite, the layers
/// <c>inspect</c> reports quantizable are the layers <c>run</c> plans to quantize.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class RealModelInspectRunAgreementTests
{
    public TestContext TestContext { get; set; } = null!;

    private const string SuiteRoot = "/usr/share/libonnx-testdata/data";

    public static IEnumerable<object?[]> SharedModels() =>
    [
        ["caffe/lenet-mnist/lenet.prototxt", "caffe/lenet-mnist/lenet_iter_10000.caffemodel"],
        ["caffe/lenet-mnist/lenet_train_test.prototxt", "caffe/lenet-mnist/lenet_iter_10000.caffemodel"],
        ["caffe/lenet-mnist-v1/lenet.prototxt", "caffe/lenet-mnist-v1/lenet_iter_10000.caffemodel"],
        ["caffe/cifar10-quick/cifar10_quick.prototxt", "caffe/cifar10-quick/cifar10_quick_iter_4000.caffemodel"],
        ["caffe/cifar10-full-v1/cifar10_full.prototxt", "caffe/cifar10-full-v1/cifar10_full_iter_70000.caffemodel"],
        ["caffe/fsrcnn/fsrcnn_deploy_32x32.prototxt", "caffe/fsrcnn/snapshot_iter_2546000.caffemodel"],
        ["caffe/mtcnn/det1.prototxt", "caffe/mtcnn/det1.caffemodel"],
        ["caffe/mtcnn/det2.prototxt", "caffe/mtcnn/det2.caffemodel"],
        ["caffe/mtcnn/det3.prototxt", "caffe/mtcnn/det3.caffemodel"],
        ["caffe/mtcnn/det4.prototxt", "caffe/mtcnn/det4.caffemodel"],
        ["caffe/ultraface-slim-320/slim-320.prototxt", "caffe/ultraface-slim-320/slim-320.caffemodel"],
        ["onnx/fmnist_lenet.onnx", null],
    ];

    [TestMethod]
    [DynamicData(nameof(SharedModels))]
    public void A_shared_model_gets_the_same_layers_from_inspect_and_run(string model, string? weights)
    {
        var source = new ModelSource(RepoPaths.SharedData(model.Split('/')), weights is null ? null : RepoPaths.SharedData(weights.Split('/')));
        var prepared = PreparedModel.Load(source);
        var (inspected, planned) = (Inspected(prepared), Planned(prepared));
        Assert.IsTrue(planned.Count > 0, $"{model}: no layer to quantize");
        CollectionAssert.AreEquivalent(planned, inspected, model);
    }

    [TestMethod]
    public void Every_onnx_suite_model_gets_the_same_layers_from_inspect_and_run()
    {
        if (!Directory.Exists(SuiteRoot))
            Assert.Fail($"ONNX test data not found at {SuiteRoot}: install Debian's libonnx-testdata (the real-model tier needs it).");
        var compared = 0;
        var withLayers = 0;
        var refused = 0;
        foreach (var path in Directory.EnumerateFiles(SuiteRoot, "model.onnx", SearchOption.AllDirectories).Order())
        {
            PreparedModel prepared;
            try { prepared = PreparedModel.Load(new ModelSource(path)); }
            // Models calib refuses (e.g. opsets it cannot read) are refused by inspect and run alike.
            catch (CalibException) { continue; }
            // Inspect reports any model it can load; run may still refuse the whole model (an opset below 10).
            var inspected = Inspected(prepared);
            List<string> planned;
            try { planned = Planned(prepared); }
            catch (CalibException e)
            {
                // The only model-level refusal is an opset below 10 that cannot be raised; inspect shows the opset.
                StringAssert.Contains(e.Message, "opset", path);
                refused++;
                continue;
            }
            CollectionAssert.AreEquivalent(planned, inspected, path);
            compared++;
            if (planned.Count > 0) withLayers++;
        }
        Assert.IsTrue(compared > 800, $"only {compared} suite models compared");
        TestContext.WriteLine($"{compared} compared, {withLayers} with quantizable layers, {refused} refused for their opset");
        Assert.IsTrue(withLayers >= 10, $"only {withLayers} suite models have quantizable layers");
    }

    private static List<string> Inspected(PreparedModel prepared) =>
        InspectionReport.Create(prepared).Layers.Where(l => l.Quantizable).Select(l => l.Name).ToList();

    private static List<string> Planned(PreparedModel prepared) =>
        CalibrationPlan.Build(prepared.Model, prepared.Verdicts, prepared.Config).Layers.Select(l => l.Name).ToList();
}
