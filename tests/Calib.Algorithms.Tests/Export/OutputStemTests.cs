using Calib.Algorithms.Export;

namespace Calib.Algorithms.Tests.Export;

[TestClass]
public sealed class OutputStemTests
{
    [TestMethod]
    [DataRow("in/net_fake_quant.onnx", "net", DisplayName = "calib's fake-quant model")]
    [DataRow("in/net_deploy.onnx", "net", DisplayName = "calib's deploy model")]
    [DataRow("in/net_qat.onnx", "net_qat", DisplayName = "a user's name is kept")]
    [DataRow("in/net_retrain.onnx", "net_retrain", DisplayName = "the retrain export is not re-written by the import")]
    [DataRow("in/_deploy.onnx", "_deploy", DisplayName = "nothing left without the suffix")]
    public void Calibs_own_output_suffix_is_not_doubled(string model, string expected) =>
        Assert.AreEqual(expected, OutputStem.Of(model, "out"));

    [TestMethod]
    public void A_stem_that_would_overwrite_the_model_read_keeps_the_suffix() =>
        Assert.AreEqual("net_fake_quant", OutputStem.Of("same/net_fake_quant.onnx", "same"));
}
