using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>Calibrations and evaluations of the sample model shared by the evaluation tests.</summary>
internal static class EvaluationRuns
{
    /// <summary>The layer the spoiling config ruins.</summary>
    public const string SpoiledLayer = "/conv3/Conv";

    /// <summary>
    /// An IFMR search range of 1–2 % of the starting bound: the clip keeps a tiny fraction of the
    /// layer's input range, so almost every value saturates.
    /// </summary>
    public static string SpoilingConfig(string directory, string layer = SpoiledLayer)
    {
        var path = Path.Combine(directory, "spoil.json");
        File.WriteAllText(path, $$"""
            { "{{layer}}": { "activation_quant_params": { "act_algo": "ifmr", "search_range": [0.01, 0.02], "search_step": 0.01 } } }
            """);
        return path;
    }

    public static EvaluationSettings Settings(SensitivityMeasure sensitivity = SensitivityMeasure.Sqnr) =>
        new() { Preprocessing = SampleRuns.FashionMnist, Sensitivity = sensitivity, BatchSize = 50 };

    /// <summary>Calibrates the sample model (optionally with a config) into a fresh folder and returns the folder.</summary>
    public static string Calibrate(string? config = null)
    {
        var output = RepoPaths.NewTempDirectory();
        CalibrationRun.Execute(SampleRuns.Request(output) with { ConfigPath = config });
        return output;
    }

    public static string FakeQuant(string output) => Path.Combine(output, "fmnist_resnet_fake_quant.onnx");
}
