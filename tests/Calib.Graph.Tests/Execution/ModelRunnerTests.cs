using Calib.Graph.Execution;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Tests.Execution;

[TestClass]
public sealed class ModelRunnerTests
{
    private static RunResult RunZoo(ModelRunner runner, int batch)
    {
        var x = OrtValue.CreateTensorValueFromMemory(TestModels.Values(1, batch, 2, 8, 8), [batch, 2, 8, 8]);
        var x1d = OrtValue.CreateTensorValueFromMemory(TestModels.Values(2, 1, 2, 8), [1, 2, 8]);
        return runner.Run(new Dictionary<string, OrtValue> { ["x"] = x, ["x1d"] = x1d });
    }

    [TestMethod]
    public void Intermediate_tensors_come_back_after_the_model_outputs()
    {
        using var runner = ModelRunner.Create(TestModels.LayerZoo(), extraOutputs: ["c1", "p1"]);
        using var result = RunZoo(runner, batch: 2);

        CollectionAssert.AreEqual(new[] { "y1", "y2", "y3", "y4", "c1d", "c1", "p1" }, runner.OutputNames.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 4, 8, 8 }, result.Shape("c1"));
        CollectionAssert.AreEqual(new long[] { 2, 4, 4, 4 }, result.Shape("p1"));
    }

    [TestMethod]
    public void Observing_a_tensor_does_not_change_the_model_outputs()
    {
        using var plain = ModelRunner.Create(TestModels.LayerZoo());
        using var observed = ModelRunner.Create(TestModels.LayerZoo(), extraOutputs: ["c2", "d1", "f"]);
        using var a = RunZoo(plain, 3);
        using var b = RunZoo(observed, 3);
        foreach (var name in plain.OutputNames)
            CollectionAssert.AreEqual(a.Floats(name).ToArray(), b.Floats(name).ToArray(), name);
    }

    [TestMethod]
    public void Asking_for_a_tensor_no_node_produces_is_an_error()
    {
        Assert.ThrowsExactly<ArgumentException>(() => ModelRunner.Create(TestModels.LayerZoo(), extraOutputs: ["nope"]));
    }

    [TestMethod]
    public void Cuda_on_the_cpu_build_says_the_cuda_build_is_missing()
    {
        var e = Assert.ThrowsExactly<CalibException>(() =>
            ModelRunner.Create(TestModels.LayerZoo(), new ExecutionOptions { Device = ExecutionDevice.Cuda }));
        StringAssert.Contains(e.Message, "CPU build");
        StringAssert.Contains(e.Message, CudaSupport.GpuPackageId);
        StringAssert.Contains(e.Message, "--device cpu");
    }

    [TestMethod]
    public void A_wrong_input_shape_is_a_user_error()
    {
        using var runner = ModelRunner.Create(TestModels.LayerZoo());
        var x = OrtValue.CreateTensorValueFromMemory(new float[3 * 8 * 8], [1, 3, 8, 8]);
        var x1d = OrtValue.CreateTensorValueFromMemory(new float[16], [1, 2, 8]);
        var e = Assert.ThrowsExactly<CalibException>(() => runner.Run(new Dictionary<string, OrtValue> { ["x"] = x, ["x1d"] = x1d }));
        StringAssert.Contains(e.Message, "layer_zoo");
    }
}
