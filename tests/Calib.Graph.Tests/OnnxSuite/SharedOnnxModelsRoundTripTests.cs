using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Tests.OnnxSuite;

/// <summary>Every model in ../shared/data/onnx survives load + save with identical ONNX Runtime outputs.</summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class SharedOnnxModelsRoundTripTests
{
    public static IEnumerable<object[]> Models() =>
        Directory.GetFiles(RepoPaths.SharedData("onnx"), "*.onnx").Order(StringComparer.Ordinal).Select(p => new object[] { p });

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void Round_trip_keeps_outputs_identical(string path)
    {
        var model = OnnxModelFile.Load(path);
        var reloaded = OnnxModelFile.Parse(OnnxModelFile.ToBytes(model), path);
        Assert.AreEqual(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), reloaded.ToProto());

        using var original = ModelRunner.Create(model);
        using var roundTrip = ModelRunner.Create(reloaded);
        var feeds = model.Graph.RuntimeInputs.ToDictionary(i => i.Name, RandomInput);
        using var a = original.Run(feeds);
        using var b = roundTrip.Run(feeds);
        foreach (var name in original.OutputNames)
            CollectionAssert.AreEqual(a.Floats(name).ToArray(), b.Floats(name).ToArray(), name);
    }

    // Symbolic dimensions (the batch) are fed as 4.
    private static OrtValue RandomInput(ValueInfoProto input)
    {
        var shape = input.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue : 4).ToArray();
        var values = TestModels.Values(11, [.. shape.Select(d => (int)d)]);
        return OrtValue.CreateTensorValueFromMemory(values, shape);
    }
}
