using System.Globalization;
using System.Text;
using System.Text.Json;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// The deploy model's speed and size against the float model's, measured in ONNX Runtime on the
/// calibration batch shape (see <see cref="PairedLatency"/>): what <c>calib run</c> prints and
/// writes to <c>&lt;model&gt;_speed.json</c>.
/// </summary>
/// <param name="FloatModel">The float model's file name.</param>
/// <param name="DeployModel">The deploy model's file name.</param>
/// <param name="Device">The execution provider (cpu, cuda).</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads as asked (0: ONNX Runtime's choice).</param>
/// <param name="Warmup">Untimed runs of each model.</param>
/// <param name="Latency">The paired timing (reference = float, candidate = deploy).</param>
/// <param name="FloatBytes">Size of the float model as ONNX (with its data file, if written with one).</param>
/// <param name="DeployBytes">Size of the deploy model file (with its data file, if any).</param>
public sealed record DeploySpeed(string FloatModel, string DeployModel, string Device, int IntraOpThreads, int Warmup, LatencyResult Latency,
    long FloatBytes, long DeployBytes)
{
    /// <summary>Float time / deploy time (median of the pairs): above 1 the deploy model is faster.</summary>
    public double SpeedUp => Latency.SpeedUp;

    /// <summary>Deploy size / float size.</summary>
    public double SizeRatio => (double)DeployBytes / FloatBytes;

    /// <summary>Times <paramref name="deployModel"/> against <paramref name="floatModel"/> on <paramref name="batchShape"/>.</summary>
    /// <param name="floatName">The float model's file name, for the report.</param>
    /// <param name="floatModel">The float model as the user gave it (ONNX Runtime fuses it as it would in production).</param>
    /// <param name="deployName">The deploy model's file name.</param>
    /// <param name="deployModel">The deploy model.</param>
    /// <param name="batchShape">The calibration batch shape.</param>
    /// <param name="execution">Device and threads of the run.</param>
    /// <param name="budget">Warm-up, pairs and time.</param>
    public static DeploySpeed Measure(string floatName, OnnxModel floatModel, string deployName, OnnxModel deployModel,
        IReadOnlyList<long> batchShape, ExecutionOptions execution, LatencyBudget budget)
    {
        var latency = PairedLatency.Measure(floatModel, deployModel, [.. batchShape], execution, budget);
        return new DeploySpeed(floatName, deployName, execution.Device.ToString().ToLowerInvariant(), execution.IntraOpThreads, budget.Warmup,
            latency, OnnxModelFile.WrittenSize(floatModel, floatName), OnnxModelFile.WrittenSize(deployModel, deployName));
    }

    /// <summary>One line for the console, e.g. "Deploy model: 2.94× faster than float (19.6 → 6.67 ms …); 0.25× its size."</summary>
    public string Describe()
    {
        var verdict = SpeedUp >= 1 ? $"{Number(SpeedUp, "F2")}× faster than float" : $"{Number(1 / SpeedUp, "F2")}× slower than float";
        var threads = IntraOpThreads == 0 ? "ONNX Runtime's default threads" : $"{IntraOpThreads} thread{(IntraOpThreads > 1 ? "s" : "")}";
        return $"Deploy model: {verdict} ({Number(Latency.ReferenceMs, "G3")} → {Number(Latency.CandidateMs, "G3")} ms per batch of " +
               $"{string.Join('×', Latency.InputShape)}, median of {Latency.Pairs} paired runs, {Device}, {threads}); " +
               $"file {Number(SizeRatio, "F2")}× float's size.";
    }

    /// <summary>
    /// What to do when the deploy model lost to float and no speed placement was made: the layers that lose in
    /// int8 here can be found by measurement. Null when it is faster, or when the placement already ran.
    /// </summary>
    public string? Advice(bool placedForSpeed) => SpeedUp >= 1 || placedForSpeed ? null
        : "  int8 does not pay here for every layer: --optimize-for speed times the layers on this shape and keeps float those slower " +
          "in int8 (every layer when int8 cannot beat float).";

    /// <summary>The JSON of <c>&lt;model&gt;_speed.json</c>. Timings differ from run to run, so they have a file of their own.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("float_model", FloatModel);
            json.WriteString("deploy_model", DeployModel);
            json.WriteStartArray("input_shape");
            foreach (var dimension in Latency.InputShape) json.WriteNumberValue(dimension);
            json.WriteEndArray();
            json.WriteString("device", Device);
            json.WriteNumber("intra_op_threads", IntraOpThreads);
            json.WriteNumber("warmup_runs", Warmup);
            json.WriteNumber("pairs", Latency.Pairs);
            json.WriteNumber("float_ms", Math.Round(Latency.ReferenceMs, 4));
            json.WriteNumber("deploy_ms", Math.Round(Latency.CandidateMs, 4));
            json.WriteNumber("speed_up", Math.Round(SpeedUp, 4));
            json.WriteNumber("float_bytes", FloatBytes);
            json.WriteNumber("deploy_bytes", DeployBytes);
            json.WriteNumber("size_ratio", Math.Round(SizeRatio, 4));
            json.WriteNumber("seconds", Math.Round(Latency.Spent.TotalSeconds, 3));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
