using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Tests.Calibration;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Graph.Passes;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Configuration;

/// <summary>Configs driving real calibration runs on the sample model.</summary>
[TestClass]
public sealed class ConfigRunTests
{
    private static string RunWith(string configName, string configText)
    {
        var directory = RepoPaths.NewTempDirectory();
        var config = Path.Combine(directory, configName);
        File.WriteAllText(config, configText);
        var output = Path.Combine(directory, "out");
        CalibrationRun.Execute(SampleRuns.Request(output, batchNum: 2, batchSize: 16) with { ConfigPath = config });
        return output;
    }

    private static string Read(string output, string suffix) => File.ReadAllText(Path.Combine(output, $"fmnist_resnet_{suffix}"));

    private static Dictionary<string, string> RecordEntries(string output) =>
        Read(output, "record.txt").Split("record {", StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(entry => entry.Split('"')[1], entry => entry);

    [TestMethod]
    public void A_disabled_conv_has_no_qdq_and_computes_exactly_what_the_float_model_does()
    {
        var output = RunWith("quant.json", """{ "/conv1/Conv": { "quant_enable": false } }""");
        var fakeQuant = OnnxModelFile.Load(Path.Combine(output, "fmnist_resnet_fake_quant.onnx"));
        var conv = fakeQuant.Graph.Nodes.Single(n => n.Name == "/conv1/Conv");
        Assert.IsTrue(conv.Inputs.Take(2).All(i => fakeQuant.Graph.ProducerOf(i) is null), "input and weight come straight from the graph");

        var (prepared, _) = GraphPreparation.Run(OnnxModelFile.Load(SampleRuns.SampleModel), new GraphPreparation.Options());
        var convOutput = conv.Outputs[0];
        using var floatRunner = ModelRunner.Create(prepared, extraOutputs: [convOutput]);
        using var quantRunner = ModelRunner.Create(fakeQuant, extraOutputs: [convOutput]);
        var input = Enumerable.Range(0, 2 * 28 * 28).Select(i => (float)Math.Sin(i)).ToArray();
        using var a = floatRunner.Run("input", input, [2, 1, 28, 28]);
        using var b = quantRunner.Run("input", input, [2, 1, 28, 28]);
        CollectionAssert.AreEqual(a.Floats(convOutput).ToArray(), b.Floats(convOutput).ToArray());
        Assert.IsFalse(RecordEntries(output).ContainsKey("/conv1/Conv"), "a skipped layer has no record");
        StringAssert.Contains(Read(output, "calibration.csv"), "/conv1/Conv,Conv,skipped,skipped by config");
    }

    [TestMethod]
    public void Skipping_a_layer_type_removes_every_such_layer()
    {
        var output = RunWith("amct.cfg", "skip_layer_types: \"Gemm\"\n");
        var csv = Read(output, "calibration.csv");
        StringAssert.Contains(csv, "/fc1/Gemm,Gemm,skipped,skipped by config");
        StringAssert.Contains(csv, "/fc2/Gemm,Gemm,skipped,skipped by config");
        Assert.IsFalse(RecordEntries(output).Keys.Any(k => k.Contains("Gemm")));
        StringAssert.Contains(Read(output, "quant_config.json"), "\"quant_enable\": false");
    }

    [TestMethod]
    public void Overriding_one_layers_algorithm_changes_only_that_layers_record()
    {
        var baseline = RecordEntries(RunWith("base.cfg", "batch_num: 2\n"));
        var changed = RecordEntries(RunWith("minmax.cfg", """
            override_layer_configs {
              layer_name: "/block_conv2/Conv"
              calibration_config { minmax_quantize {} }
            }
            """));
        CollectionAssert.AreEquivalent(baseline.Keys.ToList(), changed.Keys.ToList());
        foreach (var layer in baseline.Keys.Where(k => k != "/block_conv2/Conv"))
            Assert.AreEqual(baseline[layer], changed[layer], layer);
        Assert.AreNotEqual(baseline["/block_conv2/Conv"], changed["/block_conv2/Conv"]);
    }
}
