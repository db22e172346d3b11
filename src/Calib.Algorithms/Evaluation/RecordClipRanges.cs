using System.Text.Json;
using Calib.Algorithms.Quantization;
using Calib.Graph;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// The clip ranges calibration chose, read from the <c>&lt;model&gt;_record.json</c> that <c>calib run</c>
/// wrote beside a quantized model (<c>&lt;model&gt;_fake_quant.onnx</c> or <c>&lt;model&gt;_deploy.onnx</c>).
/// </summary>
public static class RecordClipRanges
{
    private static readonly string[] ModelSuffixes = ["_fake_quant", "_deploy"];

    /// <summary>The record file that belongs to <paramref name="quantizedModelPath"/>.</summary>
    public static string RecordPathFor(string quantizedModelPath)
    {
        var stem = Path.GetFileNameWithoutExtension(quantizedModelPath);
        var model = ModelSuffixes.Where(s => stem.EndsWith(s, StringComparison.Ordinal)).Select(s => stem[..^s.Length]).FirstOrDefault() ?? stem;
        return Path.Combine(Path.GetDirectoryName(quantizedModelPath) ?? "", $"{model}_record.json");
    }

    /// <summary>Layer name → clip range from the record beside <paramref name="quantizedModelPath"/>; null when there is none.</summary>
    /// <exception cref="CalibException">The record exists but is not a calib record.</exception>
    public static IReadOnlyDictionary<string, ClipRange>? TryLoad(string quantizedModelPath)
    {
        var path = RecordPathFor(quantizedModelPath);
        if (!File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var clips = new Dictionary<string, ClipRange>(StringComparer.Ordinal);
            foreach (var layer in document.RootElement.GetProperty("layers").EnumerateObject())
            {
                var activation = layer.Value.GetProperty("activation");
                clips[layer.Name] = new ClipRange(activation.GetProperty("clip_min").GetDouble(), activation.GetProperty("clip_max").GetDouble());
            }
            return clips;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CalibException($"'{path}' is not a calib record (layers.<name>.activation.clip_min/clip_max): {e.Message} Remove it or rewrite it with 'calib run'.");
        }
    }
}
