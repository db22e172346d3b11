using System.Diagnostics;
using System.Text;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Tests.Calibration;
using Calib.Algorithms.Tests.Quantization;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Configuration;

/// <summary>
/// The activation-parameter rules (one set for the JSON, the .cfg and the command line) and the
/// configuration files' hostile cases: unbounded work, byte order marks, duplicate keys, two
/// algorithms in one block.
/// </summary>
[TestClass]
public sealed class ConfigHardeningTests
{
    private static readonly ModelLayers Layers = new(QuantizableLayerFinder.Classify(
        GraphPreparation.Run(OnnxModelFile.Load(SampleRuns.SampleModel), new GraphPreparation.Options()).Model.Graph));

    private static readonly ActivationAlgorithmOptions Defaults = new();

    [TestMethod]
    public void AMCTs_defaults_are_within_the_rules()
    {
        Assert.IsNull(ActivationParamRules.FirstProblem(Defaults));
        Assert.AreEqual(61, ActivationParamRules.SearchFactorCount(Defaults));
    }

    [TestMethod]
    public void Every_out_of_range_option_is_named_with_its_AMCT_key()
    {
        (ActivationAlgorithmOptions Options, string Key)[] cases =
        [
            (Defaults with { MaxPercentile = 0.4 }, "max_percentile"),
            (Defaults with { MinPercentile = 1.5 }, "min_percentile"),
            (Defaults with { Percentile = 0.2 }, "percentile"),
            (Defaults with { SearchRangeStart = 1.4 }, "search_range"),
            (Defaults with { SearchRangeStart = 1.3 }, "search_range"),
            (Defaults with { SearchRangeStart = 0 }, "search_range"),
            (Defaults with { SearchRangeEnd = 1e300 }, "search_range"),
            (Defaults with { SearchStep = 0 }, "search_step"),
            (Defaults with { SearchStep = double.NaN }, "search_step"),
            (Defaults with { SearchStep = -0.01 }, "search_step"),
            (Defaults with { NumOfBins = 3000 }, "num_of_bins"),
        ];
        foreach (var (options, key) in cases)
            Assert.AreEqual(key, ActivationParamRules.FirstProblem(options)?.Key, options.ToString());
    }

    [TestMethod]
    [DataRow(1e-7, "6,000,001 candidate factors")]
    [DataRow(1e-300, "candidate factors")]
    [DataRow(0.0025, "241 candidate factors")]
    public void A_search_step_asking_for_too_much_work_is_refused_with_a_step_that_is_allowed(double step, string count)
    {
        var problem = ActivationParamRules.FirstProblem(Defaults with { SearchStep = step });

        Assert.IsNotNull(problem);
        StringAssert.Contains(problem.Message, count);
        StringAssert.Contains(problem.Message, $"at most {ActivationParamRules.MaxSearchFactors}");
        var suggested = double.Parse(problem.Message.Split("use search_step >= ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsNull(ActivationParamRules.FirstProblem(Defaults with { SearchStep = suggested }), $"the suggested step {suggested} must be allowed");
    }

    [TestMethod]
    public void The_largest_allowed_search_finishes_in_seconds()
    {
        var histogram = SampleData.HistogramOf(SampleData.Laplace(seed: 3, count: 20_000));
        var step = (Defaults.SearchRangeEnd - Defaults.SearchRangeStart) / (ActivationParamRules.MaxSearchFactors - 1) * 1.0001;
        var options = Defaults with { SearchStep = step };
        Assert.IsNull(ActivationParamRules.FirstProblem(options));

        var clock = Stopwatch.StartNew();
        ActivationRangeSearch.Choose(histogram, ActivationAlgorithm.Ifmr, options);

        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"{clock.Elapsed} for a two-sided layer at the cap");
    }

    [TestMethod]
    [DataRow("1e-7")]
    [DataRow("1e-300")]
    public void Json_and_cfg_refuse_a_tiny_search_step_alike(string step)
    {
        var json = Assert.ThrowsExactly<CalibException>(() => Json($$"""{ "/conv1/Conv": { "activation_quant_params": { "search_step": {{step}} } } }"""));
        StringAssert.StartsWith(json.Message, "quant.json:1:64: layer '/conv1/Conv': search_step ");
        var cfg = Assert.ThrowsExactly<CalibException>(() => Cfg($"common_config {{ ifmr_quantize {{ search_step: {step} }} }}"));
        StringAssert.StartsWith(cfg.Message, "amct.cfg: common_config: search_step ");
        var layer = Assert.ThrowsExactly<CalibException>(() => Cfg(
            $"override_layer_configs {{ layer_name: \"/fc1/Gemm\" calibration_config {{ ifmr_quantize {{ search_step: {step} }} }} }}"));
        StringAssert.Contains(layer.Message, "layer '/fc1/Gemm'");
        foreach (var e in new[] { json, cfg, layer })
            StringAssert.Contains(e.Message, "candidate factors per bound; calib allows at most 200");
    }

    [TestMethod]
    public void Json_and_cfg_apply_one_search_range_rule()
    {
        // start == end was accepted by the .cfg reader and refused by the JSON reader before.
        Assert.ThrowsExactly<CalibException>(() => Json("""{ "/conv1/Conv": { "activation_quant_params": { "search_range": [1.0, 1.0] } } }"""));
        Assert.ThrowsExactly<CalibException>(() => Cfg("common_config { ifmr_quantize { search_range_start: 1.0 search_range_end: 1.0 } }"));
    }

    [TestMethod]
    public void A_cfg_block_with_two_activation_algorithms_is_refused_with_the_line()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => Cfg("common_config {\n  ifmr_quantize { search_step: 0.01 }\n  hfmg_quantize { num_of_bins: 1024 }\n}"));

        StringAssert.StartsWith(e.Message, "amct.cfg:3:3: 'hfmg_quantize' and 'ifmr_quantize' (line 2) are alternatives");
    }

    [TestMethod]
    public void Duplicate_json_keys_are_refused_with_both_lines()
    {
        var top = Assert.ThrowsExactly<CalibException>(() => Json("{\n  \"batch_num\": 2,\n  \"batch_num\": 3\n}"));
        StringAssert.StartsWith(top.Message, "quant.json:3:3: key 'batch_num' is given twice in this object (first at line 2)");
        var nested = Assert.ThrowsExactly<CalibException>(() => Json("""{ "/conv1/Conv": { "quant_enable": true, "quant_enable": false } }"""));
        StringAssert.Contains(nested.Message, "key 'quant_enable' is given twice");
    }

    [TestMethod]
    public void A_byte_order_mark_starts_a_cfg_or_json_config_harmlessly()
    {
        var folder = RepoPaths.NewTempDirectory();
        var cfg = Path.Combine(folder, "amct.cfg");
        File.WriteAllText(cfg, "batch_num: 3\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var json = Path.Combine(folder, "quant.json");
        File.WriteAllText(json, "{ \"batch_num\": 4 }", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.AreEqual(3, ConfigFiles.Load(cfg, Layers, LayerQuantSettings.Default).BatchNum);
        Assert.AreEqual(4, ConfigFiles.Load(json, Layers, LayerQuantSettings.Default).BatchNum);
    }

    private static QuantConfig Json(string json) =>
        DetailedConfigReader.Read(Encoding.UTF8.GetBytes(json), "quant.json", Layers, LayerQuantSettings.Default);

    private static QuantConfig Cfg(string text) => SimpleConfigReader.Read(text, "amct.cfg", Layers, LayerQuantSettings.Default);
}
