using System.Text;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Configuration;

[TestClass]
public sealed class ConfigFileTests
{
    private static readonly ModelLayers Layers = new(QuantizableLayerFinder.Classify(
        GraphPreparation.Run(OnnxModelFile.Load(SampleRuns.SampleModel), new GraphPreparation.Options()).Model.Graph));

    private static QuantConfig Json(string json) =>
        DetailedConfigReader.Read(Encoding.UTF8.GetBytes(json), "quant.json", Layers, LayerQuantSettings.Default);

    private static QuantConfig Cfg(string text) => SimpleConfigReader.Read(text, "amct.cfg", Layers, LayerQuantSettings.Default);

    [TestMethod]
    public void The_written_config_reads_back_to_the_same_settings()
    {
        var config = Cfg("""
            batch_num: 4
            common_config { ifmr_quantize { search_step: 0.02 max_percentile: 0.9999 } }
            override_layer_configs { layer_name: "/conv3/Conv" calibration_config { hfmg_quantize { num_of_bins: 2048 } arq_quantize { channel_wise: false } } }
            skip_layers: "/fc2/Gemm"
            """);
        var reread = Json(config.ToJson());
        Assert.AreEqual(config.ToJson(), reread.ToJson());
        Assert.AreEqual(4, reread.BatchNum);
        Assert.AreEqual(ActivationAlgorithm.Hfmg, reread.Layers["/conv3/Conv"].Activation.Algorithm);
        Assert.AreEqual(2048, reread.Layers["/conv3/Conv"].Activation.Options.NumOfBins);
        Assert.IsFalse(reread.Layers["/conv3/Conv"].Weights.ChannelWise);
        Assert.AreEqual(0.02, reread.Layers["/conv1/Conv"].Activation.Options.SearchStep);
        Assert.IsFalse(reread.Layers["/fc2/Gemm"].QuantEnable);
    }

    [TestMethod]
    public void Layer_overrides_beat_type_overrides_which_beat_common_config()
    {
        var config = Cfg("""
            common_config { minmax_quantize {} }
            override_layer_types { layer_type: "Conv" calibration_config { entropy_quantize {} } }
            override_layer_types { layer_type: "InnerProduct" calibration_config { mse_quantize {} } }
            override_layer_configs { layer_name: "/conv3/Conv" calibration_config { percentile_quantize { percentile: 0.999 } } }
            skip_layer_types: "Pooling"
            """);
        Assert.AreEqual(ActivationAlgorithm.Entropy, config.Layers["/conv1/Conv"].Activation.Algorithm);
        Assert.AreEqual(ActivationAlgorithm.Percentile, config.Layers["/conv3/Conv"].Activation.Algorithm);
        Assert.AreEqual(ActivationAlgorithm.Mse, config.Layers["/fc1/Gemm"].Activation.Algorithm, "InnerProduct names Gemm layers too");
        Assert.IsFalse(config.Layers["/pool2/AveragePool"].QuantEnable);
        Assert.IsTrue(config.Layers["/fc1/Gemm"].QuantEnable);
    }

    [TestMethod]
    public void Global_activation_offset_is_every_layers_default()
    {
        var config = Json("""{ "/conv1/Conv": { "quant_enable": true }, "activation_offset": false }""");
        Assert.IsFalse(config.Layers["/conv1/Conv"].Activation.Options.Asymmetric);
        Assert.IsFalse(config.Layers["/fc2/Gemm"].Activation.Options.Asymmetric);
    }

    [TestMethod]
    [DataRow("{\n  \"version\": 1,\n  \"/conv9/Conv\": {}\n}", "quant.json:3:3", "'/conv9/Conv' is not a layer")]
    [DataRow("{\n  \"/pool1/MaxPool\": {}\n}", "quant.json:2:3", "cannot be quantized (MAX pooling is not quantized)")]
    [DataRow("{ \"/conv1/Conv\": { \"quant_enabled\": false } }", "quant.json:1:20", "unknown key 'quant_enabled'")]
    [DataRow("{ \"/conv1/Conv\": { \"quant_enable\": \"no\" } }", "quant.json:1:36", "quant_enable must be true or false")]
    [DataRow("{ \"batch_num\": 0 }", "quant.json:1:16", "batch_num must be at least 1")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"max_percentile\": 0.4 } } }", "quant.json:1:67", "max_percentile must be in (0.5, 1]")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"search_range\": [1.3, 0.7] } } }", "quant.json:1:65", "0 < start < end")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"search_step\": 0 } } }", "quant.json:1:64", "search_step must be a number above 0")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"act_algo\": \"hfmg\", \"num_of_bins\": 3000 } } }", "quant.json:1:84", "num_of_bins must be 1024, 2048, 4096 or 8192")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"num_of_bins\": 2048 } } }", "quant.json:1:49", "is a parameter of act_algo hfmg, not of ifmr")]
    [DataRow("{ \"/conv1/Conv\": { \"activation_quant_params\": { \"act_algo\": \"kl\" } } }", "quant.json:1:61", "act_algo 'kl'")]
    [DataRow("{ \"version\": 1,, }", "quant.json:1:16", "not valid JSON")]
    public void Json_errors_name_the_position_and_the_fix(string json, string where, string message)
    {
        var e = Assert.ThrowsExactly<CalibException>(() => Json(json));
        StringAssert.StartsWith(e.Message, where + ": ", e.Message);
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    [DataRow("batch_num: 2\nskip_layer: \"/conv1/Conv\"", "amct.cfg:2:1: field 'skip_layer' is not part of AMCTConfig")]
    [DataRow("common_config {\n  ifmr_quantize { search_step 0.1 }\n}", "amct.cfg:2:31: expected ':' after 'search_step'")]
    [DataRow("skip_layers: \"/conv9/Conv\"", "amct.cfg: skip_layers: '/conv9/Conv' is not a layer")]
    [DataRow("skip_layer_types: \"LSTM\"", "amct.cfg: layer type 'LSTM' matches no quantizable layer")]
    [DataRow("common_config { hfmg_quantize { num_of_bins: 3000 } }", "amct.cfg: common_config: num_of_bins must be 1024, 2048, 4096 or 8192")]
    [DataRow("common_config { ifmr_quantize { search_range_start: 1.3 search_range_end: 0.7 } }", "amct.cfg: common_config: search_range")]
    public void Cfg_errors_name_the_file_and_the_line_or_key(string text, string message)
    {
        var e = Assert.ThrowsExactly<CalibException>(() => Cfg(text));
        StringAssert.StartsWith(e.Message, message);
    }

    [TestMethod]
    public void Command_line_flags_win_over_the_file()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "q.json");
        File.WriteAllText(path, """{ "batch_num": 2, "/conv1/Conv": { "activation_quant_params": { "act_algo": "hfmg" } } }""");
        var config = ConfigResolution.Resolve(Layers, path, new SettingOverrides { BatchNum = 5, ChannelWise = false });
        Assert.AreEqual(5, config.BatchNum);
        Assert.AreEqual(ActivationAlgorithm.Hfmg, config.Layers["/conv1/Conv"].Activation.Algorithm, "no --act-algo given: the file's choice stays");
        Assert.IsTrue(config.Layers.Values.All(l => !l.Weights.ChannelWise));
    }
}
