using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Workflows;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>
/// <c>--equalize</c> on ultraface-slim-320 (depthwise-separable blocks with ReLU, the case cross-layer equalization is
/// made for), calibrated on Fashion-MNIST images as <see cref="OutputFidelityRealModelTests"/> does: the model the run
/// prepares computes the original's outputs on the model's own photo, and the written models keep the fidelity
/// measured for them in docs/FIDELITY.md.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class EqualizationRealModelTests
{
    private static readonly string Folder = RepoPaths.SharedData("caffe", "ultraface-slim-320");

    private static CalibrationRequest Request(string output) => new()
    {
        ModelPath = Path.Combine(Folder, "slim-320.prototxt"),
        WeightsPath = Path.Combine(Folder, "slim-320.caffemodel"),
        CalibrationSet = RepoPaths.SharedData("fmnist", "calib"),
        BatchSize = 1,
        Preprocessing = new Preprocessing { Resize = (240, 320), Mean = [127f / 255], Std = [128f / 255] },
        Overrides = new SettingOverrides { BatchNum = 64 },
        OutputDirectory = output,
        Fidelity = new FidelitySettings { Set = RepoPaths.SharedData("fmnist", "test"), Samples = 32 },
        Equalize = true,
    };

    [TestMethod]
    public void The_equalized_ultraface_computes_the_original_outputs_and_keeps_its_held_out_fidelity()
    {
        var request = Request(RepoPaths.NewTempDirectory());
        var prepared = CalibrationRun.Prepare(request);
        var outcome = CalibrationRun.Execute(request);

        Assert.AreEqual(30, outcome.EqualizedPairs);
        var photo = NpyFile.Read(Path.Combine(Folder, "ref", "input_input.npy"));
        var shape = photo.Shape.Select(d => (long)d).ToArray();
        using var original = ModelRunner.Create(prepared.Loaded.Model);
        using var equalized = ModelRunner.Create(prepared.Model);
        using var expected = original.Run(original.InputNames.Single(), photo.Floats!, shape);
        using var actual = equalized.Run(equalized.InputNames.Single(), photo.Floats!, shape);
        foreach (var output in original.OutputNames)
        {
            var error = new ErrorAccumulator();
            error.Add(expected.Floats(output), actual.Floats(output));
            Assert.IsTrue(error.Result.Cosine >= 0.999999 && error.Result.MaxRelativeError <= 1e-4, $"float {output}: {error.Result}");
        }
        foreach (var figures in outcome.Fidelity!.Outputs)
            Assert.IsTrue(figures.FakeQuant.Cosine >= MeasuredCosine && figures.Deploy!.Value.Cosine >= MeasuredCosine,
                $"held-out Fashion-MNIST images, {figures.Output}: fake-quant {figures.FakeQuant.Cosine}, deploy {figures.Deploy!.Value.Cosine}");
    }

    // Measured 0.98212 (boxes, fake-quant and deploy) with this preprocessing, less a margin; without --equalize 0.99603:
    // with per-channel weights equalization costs ultraface fidelity (docs/FIDELITY.md, "Cross-layer equalization").
    private const double MeasuredCosine = 0.978;
}
