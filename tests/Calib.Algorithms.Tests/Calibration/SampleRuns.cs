using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>Calibration requests on the project's own sample model and images, and a top-1 evaluator for tests.</summary>
internal static class SampleRuns
{
    public static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    public static readonly string CalibrationImages = RepoPaths.InRepo("calibration-data", "fmnist");
    public static readonly string EvalImages = RepoPaths.InRepo("calibration-data", "fmnist-eval");
    public static readonly Preprocessing FashionMnist = new() { Mean = [0.2860f], Std = [0.3530f] };

    public static CalibrationRequest Request(string output, string? model = null, string? images = null, int batchNum = 8, int batchSize = 32) => new()
    {
        ModelPath = model ?? SampleModel,
        CalibrationSet = images ?? CalibrationImages,
        BatchSize = batchSize,
        Preprocessing = FashionMnist,
        Overrides = new SettingOverrides { BatchNum = batchNum },
        OutputDirectory = output,
    };

    /// <summary>Top-1 accuracy (percent) of a 10-class model on a folder with class sub-folders named "&lt;index&gt;_…".</summary>
    public static double Top1(string model, string folder, ExecutionOptions? options = null)
    {
        var set = CalibrationSet.Open(folder, allowNpy: false);
        var labels = set.Files.Select(f => int.Parse(Path.GetFileName(Path.GetDirectoryName(f))!.Split('_')[0])).ToArray();
        using var runner = ModelRunner.Create(Graph.Onnx.OnnxModelFile.Load(model), options);
        const int batch = 100;
        using var reader = new BatchReader(set, new InputLayout(1, 28, 28), FashionMnist, batch, set.Files.Count / batch);
        var correct = 0;
        var seen = 0;
        foreach (var b in reader.ReadBatches())
        {
            using var result = runner.Run(runner.InputNames[0], b.Data, b.Shape);
            var logits = result.Floats(runner.OutputNames[0]);
            for (var i = 0; i < b.Shape[0]; i++, seen++)
            {
                var row = logits.Slice(i * 10, 10);
                var best = 0;
                for (var k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
                if (best == labels[seen]) correct++;
            }
        }
        return 100.0 * correct / seen;
    }
}
