using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.OnnxSuite;

/// <summary>Models calib writes pass ONNX's own checker (python3-onnx, full check).</summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class OnnxCheckerTests
{
    [TestMethod]
    public void A_model_built_through_the_ir_passes_the_checker()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "zoo.onnx");
        OnnxModelFile.Save(TestModels.LayerZoo(), path);
        Assert.IsNull(OnnxChecker.Check(path));
    }

    [TestMethod]
    public void The_sample_model_passes_the_checker_after_a_round_trip()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "sample.onnx");
        OnnxModelFile.Save(OnnxModelFile.Load(RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx")), path);
        Assert.IsNull(OnnxChecker.Check(path));
    }

    [TestMethod]
    public void The_checker_rejects_a_broken_model()
    {
        var model = TestModels.LayerZoo();
        model.Graph.Nodes[0].Inputs[1] = "no_such_tensor";
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "broken.onnx");
        OnnxModelFile.Save(model, path);
        StringAssert.Contains(OnnxChecker.Check(path), "no_such_tensor");
    }
}
