using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Bench;

/// <summary>The machine the figures were measured on.</summary>
/// <param name="Processors">Logical processors available to the process.</param>
/// <param name="Os">The operating system.</param>
/// <param name="Runtime">The .NET runtime.</param>
/// <param name="OnnxRuntime">The ONNX Runtime version.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads asked for; 0 is ONNX Runtime's own choice.</param>
internal sealed record MachineInfo(int Processors, string Os, string Runtime, string OnnxRuntime, int IntraOpThreads)
{
    public static MachineInfo Current(int intraOpThreads) => new(
        Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        OrtEnv.Instance().GetVersionString(), intraOpThreads);
}

/// <summary>Every figure of one bench run, with the acceptance verdicts.</summary>
/// <param name="Machine">Where it ran.</param>
/// <param name="Calibration">Calibration throughput, per workload (the sample, then the transformer).</param>
/// <param name="Memory">Peak memory against --batch-num, per workload.</param>
/// <param name="Models">Deploy against float, per model.</param>
/// <param name="Targets">The acceptance targets.</param>
internal sealed record BenchReport(
    MachineInfo Machine, IReadOnlyList<ThroughputResult> Calibration, IReadOnlyList<MemoryResult> Memory, IReadOnlyList<ModelComparison> Models, IReadOnlyList<TargetCheck> Targets)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // The file is read by people too: keep × and ≤ as they are rather than \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The report as indented JSON with snake_case names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}
