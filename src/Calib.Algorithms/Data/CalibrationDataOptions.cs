namespace Calib.Algorithms.Data;

/// <summary>How calibration data is read besides its folders: the image preprocessing, per-input folder details, skipping.</summary>
public sealed record CalibrationDataOptions
{
    /// <summary>How images become input tensors.</summary>
    public Preprocessing Preprocessing { get; init; } = new();

    /// <summary>--input-shape and --data-types for per-input data folders; null when not given.</summary>
    public TensorDataOptions? TensorData { get; init; }

    /// <summary>Skip images that do not decode (with a warning) instead of failing.</summary>
    public bool SkipUndecodable { get; init; }

    /// <summary>Measure the image input of calibration and warn when it looks like raw pixels (see <see cref="RawPixelCheck"/>); for runs given no preprocessing.</summary>
    public bool CheckRawPixels { get; init; }

    /// <summary>Receives warnings (skipped images, raw pixels); null drops them.</summary>
    public Action<string>? Warn { get; init; }
}
