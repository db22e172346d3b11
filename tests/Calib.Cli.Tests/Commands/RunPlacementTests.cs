using System.Text.Json;
using System.Text.Json.Nodes;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary><c>calib run --optimize-for speed</c>: placement by measured (or replayed) timings, consistent in every output.</summary>
[TestClass]
public sealed class RunPlacementTests
{
    private const string Pool = "/pool2/AveragePool";
    private const string Conv1 = "/conv1/Conv";
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string[] Layers = [Conv1, "/block_conv1/Conv", "/block_conv2/Conv", "/conv3/Conv", Pool, "/fc1/Gemm", "/fc2/Gemm"];

    [TestMethod]
    public void Replayed_timings_where_AveragePool_is_slower_in_int8_keep_it_float_in_every_output()
    {
        var timings = TimingsFile(poolInt8: 2.0, poolFloat: 1.0, quantized: Layers.Where(l => l != Pool));
        var before = File.ReadAllText(timings);
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--optimize-for", "speed", "--timings", timings);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "AveragePool layers (/pool2/AveragePool): kept float, int8 is slower (int8 2 ms, float 1 ms per batch)");
        StringAssert.Contains(result.Output, "Quantized 6 layers (1 kept float for speed)");
        Assert.AreEqual(before, File.ReadAllText(timings), "a replayed file is not rewritten");
        foreach (var kind in new[] { "fake_quant", "deploy" })
        {
            var graph = OnnxModelFile.Load(Path.Combine(output, $"fmnist_resnet_{kind}.onnx")).Graph;
            var pool = graph.Nodes.Single(n => n.Name == Pool);
            var producer = graph.Nodes.Single(n => n.Outputs.Contains(pool.Inputs[0]));
            var readers = graph.Nodes.Where(n => n.Inputs.Contains(pool.Outputs[0])).Select(n => n.OpType).ToList();
            // The deploy model dequantizes the 8-bit tensor before the island; a quantized AveragePool would read a Q→DQ pair of its own input.
            if (kind == "fake_quant") Assert.AreNotEqual("DequantizeLinear", producer.OpType, $"{kind}: no Q/DQ on the pool's input");
            CollectionAssert.DoesNotContain(readers, "QuantizeLinear", $"{kind}: the pool's output stays float, so ONNX Runtime cannot fuse QLinearAveragePool");
        }
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "fmnist_resnet_record.txt")), Pool, "the AMCT record keeps a layer kept float for ONNX Runtime's speed");
        using (var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "fmnist_resnet_record.json"))))
            CollectionAssert.AreEqual(Layers, record.RootElement.GetProperty("layers").EnumerateObject().Select(l => l.Name).ToArray(), "in graph order");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "fmnist_resnet_quant_config.json")))!;
        Assert.IsFalse(config[Pool]!["quant_enable"]!.GetValue<bool>());
        var rows = Csv(output);
        Assert.AreEqual("skipped,kept float for speed: int8 is slower for the AveragePool layers,float,2,1", rows[Pool]);
        StringAssert.EndsWith(rows[Conv1], "int8,1,2");
        StringAssert.EndsWith(rows["/fc1/Gemm"], "int8,,");
    }

    [TestMethod]
    public void A_single_layer_slower_in_int8_is_kept_float_after_the_groups()
    {
        var conv3 = "/conv3/Conv";
        var timings = TimingsFile(poolInt8: 1.0, poolFloat: 2.0, quantized: Layers.Where(l => l != conv3),
            Timing("layer /block_conv1/Conv", ["/block_conv1/Conv"], 1, 2),
            Timing("layer /block_conv2/Conv", ["/block_conv2/Conv"], 1, 2), Timing($"layer {conv3}", [conv3], 2, 1));
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--optimize-for", "speed", "--timings", timings);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, $"layer {conv3}: kept float, int8 is slower (int8 2 ms, float 1 ms per batch).");
        StringAssert.Contains(result.Output, "2 more candidates not timed");
        var rows = Csv(output);
        Assert.AreEqual($"skipped,kept float for speed: int8 is slower for the layer {conv3},float,2,1", rows[conv3]);
        Assert.AreEqual("quantized,,int8,1,2", rows[Conv1], "a group of one layer is that layer's only candidate");
        Assert.AreEqual("quantized,,int8,1,2", rows["/block_conv1/Conv"]);
    }

    [TestMethod]
    public void When_no_placement_beats_float_every_layer_stays_float_and_the_record_keeps_them_all()
    {
        var timings = TimingsFile(poolInt8: 1.0, poolFloat: 2.0, quantized: Layers, whole: (Int8: 1.0, Float: 1.01));
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--optimize-for", "speed", "--timings", timings);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "whole model: the deploy model is not faster than float (int8 1 ms, float 1.01 ms per batch): every layer kept float");
        StringAssert.Contains(result.Output, "Quantized 0 layers (7 kept float for speed)");
        foreach (var kind in new[] { "fake_quant", "deploy" })
        {
            var ops = OnnxModelFile.Load(Path.Combine(output, $"fmnist_resnet_{kind}.onnx")).Graph.Nodes.Select(n => n.OpType).ToList();
            Assert.IsFalse(ops.Any(op => op is "QuantizeLinear" or "DequantizeLinear"), $"{kind}: the prepared float graph, {string.Join(' ', ops)}");
        }
        var record = File.ReadAllText(Path.Combine(output, "fmnist_resnet_record.txt"));
        foreach (var layer in Layers) StringAssert.Contains(record, layer);
        foreach (var layer in Layers)
            StringAssert.StartsWith(Csv(output)[layer], "skipped,kept float for speed: the placed int8 deploy model was not more than 3 % faster than float,float,1,1.01");
    }

    [TestMethod]
    public void An_eval_set_run_whose_placement_keeps_every_layer_float_is_evaluated_not_refused()
    {
        var timings = TimingsFile(poolInt8: 1.0, poolFloat: 2.0, quantized: Layers, whole: (Int8: 2.0, Float: 1.0));
        var output = RepoPaths.NewTempDirectory();
        var result = Run(output, "--optimize-for", "speed", "--timings", timings, "--eval-set", RepoPaths.InRepo("calibration-data", "fmnist-eval"));

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "no layer is quantized, so there are no per-layer figures");
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "fmnist_resnet_accuracy.json")));
        var root = report.RootElement;
        Assert.AreEqual(100, root.GetProperty("quantized").GetProperty("agreement").GetDouble(), "the fake-quant model is the float model");
        Assert.AreEqual(100, root.GetProperty("other_models")[0].GetProperty("agreement").GetDouble(), "so is the deploy model");
        Assert.AreEqual(0, root.GetProperty("layers_by_error").GetArrayLength(), "no layer to analyse");
    }

    // The sample has no layer output that only float nodes read, so a speed placement that keeps every layer int8 writes
    // the accuracy placement's models; a model with a conv before PRelu would differ (DeployTensorPlanTests).
    [TestMethod]
    public void Replayed_timings_where_int8_wins_write_the_accuracy_placement()
    {
        var timings = TimingsFile(poolInt8: 1.0, poolFloat: 2.0, quantized: Layers);
        var (speed, accuracy) = (RepoPaths.NewTempDirectory(), RepoPaths.NewTempDirectory());
        Assert.AreEqual(0, Run(speed, "--optimize-for", "speed", "--timings", timings).ExitCode);
        Assert.AreEqual(0, Run(accuracy, "--optimize-for", "accuracy").ExitCode);

        foreach (var name in new[] { "fake_quant.onnx", "deploy.onnx", "record.txt", "record.json", "quant_config.json" })
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(accuracy, $"fmnist_resnet_{name}")), File.ReadAllBytes(Path.Combine(speed, $"fmnist_resnet_{name}")), name);
        var (speedRows, accuracyRows) = (Csv(speed), Csv(accuracy));
        Assert.AreEqual("quantized,,int8,1,2", speedRows[Pool]);
        Assert.AreEqual("quantized,,,,", accuracyRows[Pool], "accuracy makes no placement decision");
    }

    [TestMethod]
    public void Accuracy_is_the_default_and_times_nothing()
    {
        var (plain, accuracy) = (RepoPaths.NewTempDirectory(), RepoPaths.NewTempDirectory());
        var result = Run(plain);
        Assert.AreEqual(0, result.ExitCode, result.Error);
        Assert.AreEqual(0, Run(accuracy, "--optimize-for", "accuracy").ExitCode);

        Assert.IsFalse(result.Output.Contains("Placement for speed"), result.Output);
        AssertSameFiles(plain, accuracy);
        Assert.IsTrue(Csv(plain).Values.All(row => row.EndsWith(",,,", StringComparison.Ordinal)), "placement columns stay empty");
    }

    [TestMethod]
    public void Two_runs_with_the_same_timings_file_write_identical_outputs()
    {
        var timings = Path.Combine(RepoPaths.NewTempDirectory(), "timings.json");
        var (first, second) = (RepoPaths.NewTempDirectory(), RepoPaths.NewTempDirectory());
        var measured = Run(first, "--optimize-for", "speed", "--timings", timings);
        Assert.AreEqual(0, measured.ExitCode, measured.Error);
        StringAssert.Contains(measured.Output, "Placement for speed (measured on 8×1×28×28");
        var written = File.ReadAllText(timings);
        using (var json = JsonDocument.Parse(written))
            Assert.IsTrue(json.RootElement.GetProperty("whole_model").GetProperty("int8_ms").GetDouble() > 0);

        var replayed = Run(second, "--optimize-for", "speed", "--timings", timings);
        Assert.AreEqual(0, replayed.ExitCode, replayed.Error);
        StringAssert.Contains(replayed.Output, $"Placement for speed (replayed from {timings})");
        Assert.AreEqual(written, File.ReadAllText(timings));
        AssertSameFiles(first, second);
    }

    [TestMethod]
    public void A_timings_file_of_another_model_or_goal_fails_with_one_line()
    {
        var timings = Path.Combine(RepoPaths.NewTempDirectory(), "t.json");
        File.WriteAllText(timings, """{"calib_placement_timings": 2, "candidates": [], "whole_model": {"layers": ["x"], "int8_ms": 1, "float_ms": 2}}""");
        var output = RepoPaths.NewTempDirectory();
        var foreign = Run(output, "--optimize-for", "speed", "--timings", timings);
        Assert.AreEqual(1, foreign.ExitCode);
        StringAssert.Contains(foreign.Error, $"calib: error: Timings file '{timings}' cannot be replayed: it has no timing for the AveragePool layers (/pool2/AveragePool)");
        Assert.IsEmpty(Directory.GetFiles(output), "nothing written");

        File.WriteAllText(timings, """{"calib_placement_timings": 1, "candidates": [], "whole_model": {"layers": ["x"], "int8_ms": 1, "float_ms": 2}}""");
        var older = Run(output, "--optimize-for", "speed", "--timings", timings);
        Assert.AreEqual(1, older.ExitCode);
        StringAssert.Contains(older.Error, "it is of form 1, written by another calib version");

        var noGoal = Run(output, "--timings", timings);
        Assert.AreEqual(1, noGoal.ExitCode);
        StringAssert.Contains(noGoal.Error, "add --optimize-for speed");
        var badGoal = Run(output, "--optimize-for", "fast");
        Assert.AreEqual(1, badGoal.ExitCode);
        StringAssert.Contains(badGoal.Error, "--optimize-for 'fast' is not one of accuracy, speed, size.");
    }

    // Every file but the speed figure, which is timed in each run.
    private static void AssertSameFiles(string expected, string actual)
    {
        var names = Directory.GetFiles(expected).Select(Path.GetFileName).Where(n => !n!.EndsWith("_speed.json", StringComparison.Ordinal)).Order().ToList();
        CollectionAssert.AreEqual(names, Directory.GetFiles(actual).Select(Path.GetFileName).Where(n => !n!.EndsWith("_speed.json", StringComparison.Ordinal)).Order().ToList());
        foreach (var name in names)
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(expected, name!)), File.ReadAllBytes(Path.Combine(actual, name!)), name);
    }

    // status,reason,placement,int8_ms,float_ms of each layer's row.
    private static Dictionary<string, string> Csv(string output)
    {
        var lines = File.ReadAllLines(Path.Combine(output, "fmnist_resnet_calibration.csv"));
        var header = lines[0].Split(',');
        var columns = new[] { "status", "reason", "placement", "int8_ms", "float_ms" }.Select(c => Array.IndexOf(header, c)).ToArray();
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => string.Join(',', columns.Select(c => f[c])));
    }

    // The groups' timings, then those of `layers`; the search stopped there (the other single layers untried).
    private static string TimingsFile(double poolInt8, double poolFloat, IEnumerable<string> quantized, params JsonObject[] layers) =>
        TimingsFile(poolInt8, poolFloat, quantized, (1, 2), layers);

    private static string TimingsFile(double poolInt8, double poolFloat, IEnumerable<string> quantized, (double Int8, double Float) whole,
        params JsonObject[] layers)
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "timings.json");
        var json = new JsonObject
        {
            ["calib_placement_timings"] = 2,
            ["candidates"] = new JsonArray([
                Timing("AveragePool layers", [Pool], poolInt8, poolFloat),
                Timing("thin convs", [Conv1], 1, 2),
                .. layers]),
            ["untried"] = 1,
            ["whole_model"] = Timing("whole model", [.. quantized], whole.Int8, whole.Float),
        };
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject Timing(string name, string[] layers, double int8, double @float) => new()
    {
        ["candidate"] = name,
        ["layers"] = new JsonArray([.. layers.Select(l => JsonValue.Create(l))]),
        ["int8_ms"] = int8,
        ["float_ms"] = @float,
    };

    private static CliRunner.Outcome Run(string output, params string[] more) =>
        CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "2", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--no-speed", "--output", output, .. more]);
}
