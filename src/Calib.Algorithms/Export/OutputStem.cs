namespace Calib.Algorithms.Export;

/// <summary>
/// The stem of the files written for a model: its file name without extension, less a suffix calib
/// itself gives to the models it writes (so that re-importing <c>x_fake_quant.onnx</c> writes
/// <c>x_fake_quant.onnx</c> and <c>x_deploy.onnx</c>, not <c>x_fake_quant_fake_quant.onnx</c>) — unless
/// that would write over the model being read.
/// </summary>
public static class OutputStem
{
    /// <summary>The suffixes of calib's own model outputs that the standard outputs add again.</summary>
    public static IReadOnlyList<string> CalibSuffixes { get; } = ["_fake_quant", "_deploy"];

    /// <summary>The stem for outputs of <paramref name="modelPath"/> written to <paramref name="outputDirectory"/>.</summary>
    public static string Of(string modelPath, string outputDirectory)
    {
        var name = Path.GetFileNameWithoutExtension(modelPath);
        var suffix = CalibSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal) && name.Length > s.Length);
        if (suffix is null) return name;
        var stem = name[..^suffix.Length];
        var model = Path.GetFullPath(modelPath);
        var overwrites = CalibSuffixes.Any(s => string.Equals(Path.GetFullPath(Path.Combine(outputDirectory, $"{stem}{s}.onnx")), model, StringComparison.Ordinal));
        return overwrites ? name : stem;
    }
}
