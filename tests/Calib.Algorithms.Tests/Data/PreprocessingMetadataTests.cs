using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class PreprocessingMetadataTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    private static readonly Preprocessing Full = new()
    {
        Resize = (256, 320), Crop = (224, 224), ChannelOrder = ChannelOrder.Bgr, Scale = 0.017f,
        Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], MeanValues = [104f, 117f, 123f],
    };

    [TestMethod]
    public void Every_setting_survives_the_model_file_and_is_resolved_without_flags()
    {
        var model = OnnxModelFile.Load(SampleModel);
        PreprocessingMetadata.Stamp(model, Full);
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "m.onnx");
        OnnxModelFile.Save(model, path);

        Assert.AreEqual(Full, PreprocessingMetadata.Read(path));
        var loaded = ModelLoader.Load(path);
        Assert.AreEqual((Full, "model (calib.input_preprocessing metadata)"), PreprocessingMetadata.Resolve(null, loaded, path));
        var flags = new Preprocessing { Scale = 1f };
        Assert.AreEqual((flags, "flags"), PreprocessingMetadata.Resolve(flags, loaded, path));
    }

    [TestMethod]
    public void A_model_without_the_entry_resolves_to_none()
    {
        Assert.IsNull(PreprocessingMetadata.Read(SampleModel));
        Assert.AreEqual((new Preprocessing(), "none"), PreprocessingMetadata.Resolve(null, ModelLoader.Load(SampleModel), SampleModel));
    }

    [TestMethod]
    public void A_broken_entry_is_a_user_error_naming_the_file_and_the_key()
    {
        var model = OnnxModelFile.Load(SampleModel);
        model.SetMetadata(PreprocessingMetadata.MetadataKey, "{ \"Mean\": \"zero\" }");
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "m.onnx");
        OnnxModelFile.Save(model, path);

        var e = Assert.ThrowsExactly<CalibException>(() => PreprocessingMetadata.Read(path));

        StringAssert.StartsWith(e.Message, $"'{path}' has a 'calib.input_preprocessing' metadata entry that is not calib's preprocessing JSON");
    }

    [TestMethod]
    public void Evaluation_prefers_the_flags_then_the_float_model_then_the_quantized_model_and_warns_when_they_differ()
    {
        var dir = RepoPaths.NewTempDirectory();
        var quantized = Path.Combine(dir, "q.onnx");
        var model = OnnxModelFile.Load(SampleModel);
        PreprocessingMetadata.Stamp(model, Full);
        OnnxModelFile.Save(model, quantized);
        var plain = ModelLoader.Load(SampleModel);
        var other = new Preprocessing { Scale = 1f / 255 };
        var floatModel = OnnxModelFile.Load(SampleModel);
        PreprocessingMetadata.Stamp(floatModel, other);
        var stamped = new LoadedModel(floatModel, null);
        var warnings = new List<string>();

        Assert.AreEqual(Full, PreprocessingMetadata.ForEvaluation(null, plain, SampleModel, quantized, warnings.Add));
        Assert.AreEqual(other, PreprocessingMetadata.ForEvaluation(null, stamped, "f.onnx", quantized, warnings.Add));
        Assert.AreEqual(new Preprocessing(), PreprocessingMetadata.ForEvaluation(new Preprocessing(), stamped, "f.onnx", quantized, warnings.Add));
        Assert.HasCount(1, warnings);
        StringAssert.Contains(warnings[0], $"'f.onnx' records the preprocessing 'RGB, scale 1/255' but '{quantized}' records");
    }
}
