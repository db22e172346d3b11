using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace Calib.Algorithms.Tests.Calibration;

/// <summary>Calibration requests on the project's own sample model and images, and an independent top-1 evaluator that cross-checks the library.</summary>
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

    /// <summary>
    /// Top-1 (percent) of a 10-class Fashion-MNIST model on a folder with a labels.csv, computed without
    /// calib's data or evaluation code — labels.csv read by hand, PNGs decoded with SkiaSharp, the documented
    /// preprocessing, an ONNX Runtime session on the file — so that it cross-checks the library.
    /// </summary>
    public static double Top1(string model, string folder)
    {
        var rows = File.ReadAllLines(Path.Combine(folder, "labels.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        using var session = new InferenceSession(model);
        var input = session.InputMetadata.Keys.Single();
        var correct = 0;
        foreach (var chunk in rows.Chunk(100))
        {
            var tensor = FashionMnistBatch([.. chunk.Select(row => Path.Combine(folder, row[0]))]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
            var logits = results[0].AsTensor<float>();
            for (var n = 0; n < chunk.Length; n++)
            {
                var best = Enumerable.Range(0, 10).MaxBy(k => logits[n, k]);
                if (best == int.Parse(chunk[n][1])) correct++;
            }
        }
        return 100.0 * correct / rows.Count;
    }

    /// <summary>Fashion-MNIST PNGs as one [N, 1, 28, 28] batch with the documented preprocessing, decoded with SkiaSharp (not calib's reader).</summary>
    public static DenseTensor<float> FashionMnistBatch(IReadOnlyList<string> files)
    {
        var tensor = new DenseTensor<float>([files.Count, 1, 28, 28]);
        for (var n = 0; n < files.Count; n++)
        {
            using var bitmap = SKBitmap.Decode(files[n]);
            for (var y = 0; y < 28; y++)
                for (var x = 0; x < 28; x++)
                    tensor[n, 0, y, x] = (bitmap.GetPixel(x, y).Red / 255f - 0.2860f) / 0.3530f;
        }
        return tensor;
    }

    /// <summary>The first output of <paramref name="model"/> on <paramref name="files"/> (see <see cref="FashionMnistBatch"/>), from a plain ONNX Runtime session.</summary>
    public static float[] Logits(string model, IReadOnlyList<string> files)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), FashionMnistBatch(files))]);
        return results[0].AsEnumerable<float>().ToArray();
    }
}
