using System.Globalization;
using System.Text.Json.Serialization;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// How calibration images become model input (SPEC §5): bilinear resize, center crop, channel order,
/// then per value <c>x = ((p − MeanValues)·Scale − Mean) / Std</c>, p being the raw 0–255 pixel.
/// Recorded in calib's outputs, so it serializes with System.Text.Json and compares by value.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>The scale used when <see cref="Mean"/> or <see cref="Std"/> is given without <see cref="Scale"/>.</summary>
    public const float UnitScale = 1f / 255f;

    /// <summary>The preset names accepted by <see cref="Preset"/>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["imagenet", "caffe", "mnist", "none"];

    /// <summary>Bilinear resize to exactly this height and width; null keeps the image size.</summary>
    [JsonConverter(typeof(ImageSizeJsonConverter))]
    public (int Height, int Width)? Resize { get; init; }

    /// <summary>Center crop to this height and width, after <see cref="Resize"/>; null crops nothing.</summary>
    [JsonConverter(typeof(ImageSizeJsonConverter))]
    public (int Height, int Width)? Crop { get; init; }

    /// <summary>The channel order of a 3-channel model input; per-channel values below follow it.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>Multiplies raw 0–255 pixels; null means <see cref="EffectiveScale"/>'s default.</summary>
    public float? Scale { get; init; }

    /// <summary>Subtracted after scaling: one value, or one per channel in model channel order.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Divides after subtracting <see cref="Mean"/>: one value, or one per channel in model channel order.</summary>
    public float[]? Std { get; init; }

    /// <summary>Caffe style: subtracted from the raw 0–255 pixels before scaling; one value or one per channel.</summary>
    public float[]? MeanValues { get; init; }

    /// <summary>The scale applied: <see cref="Scale"/>, else 1/255 when a mean or std is given, else 1.</summary>
    public float EffectiveScale => Scale ?? (Mean is not null || Std is not null ? UnitScale : 1f);

    /// <summary>A named preset: "imagenet", "caffe", "mnist" or "none" (case-insensitive).</summary>
    /// <exception cref="CalibException">The name is not a preset; the message lists them.</exception>
    public static Preprocessing Preset(string name) => name.ToLowerInvariant() switch
    {
        "imagenet" => new Preprocessing
        {
            Resize = (256, 256),
            Crop = (224, 224),
            Scale = UnitScale,
            Mean = [0.485f, 0.456f, 0.406f],
            Std = [0.229f, 0.224f, 0.225f],
        },
        "caffe" => new Preprocessing { ChannelOrder = ChannelOrder.Bgr, MeanValues = [104f, 117f, 123f], Scale = 1f },
        "mnist" => new Preprocessing { Scale = UnitScale },
        "none" => new Preprocessing(),
        _ => throw new CalibException(
            $"Unknown preprocessing preset '{name}' (--preprocess): use one of {string.Join(", ", PresetNames)}."),
    };

    /// <summary>
    /// The preprocessing a command uses: the one its flags give, else the one the model carries (recorded
    /// by calib in a model it wrote, or a Caffe train/test net's transform_param), else none.
    /// See <see cref="PreprocessingMetadata.Resolve"/>.
    /// </summary>
    /// <param name="flags">The preprocessing flags given, or null.</param>
    /// <param name="model">The model.</param>
    /// <param name="source">The model file, for messages.</param>
    public static Preprocessing Resolve(Preprocessing? flags, Graph.LoadedModel model, string source) =>
        PreprocessingMetadata.Resolve(flags, model, source).Preprocessing;

    /// <summary>
    /// The preprocessing of a Caffe train/test net (its data layer's transform_param): resize and center
    /// crop as Caffe's test phase does, BGR (Caffe decodes images with OpenCV), the mean subtracted from
    /// raw pixels (a mean_file image as its per-channel averages), then the scale.
    /// </summary>
    public static Preprocessing FromCaffe(Graph.Caffe.CaffePreprocessing caffe) => new()
    {
        Resize = caffe.Resize is [var height, var width] ? (height, width) : null,
        Crop = caffe.Crop is [var cropHeight, var cropWidth] ? (cropHeight, cropWidth) : null,
        ChannelOrder = ChannelOrder.Bgr,
        MeanValues = caffe.ChannelMeans,
        Scale = caffe.Scale,
    };

    /// <summary>Parses an image size: "224" (224x224) or "224x320" (height x width).</summary>
    /// <exception cref="CalibException">The text is not a size; the message quotes it.</exception>
    public static (int Height, int Width) ParseSize(string text) =>
        TryParseSize(text) ?? throw new CalibException(
            $"'{text}' is not an image size: give N or HxW (height x width), e.g. 224 or 224x320.");

    /// <summary>Parses the value of a size flag such as --resize or --crop; errors name the flag.</summary>
    /// <exception cref="CalibException">The text is not a size; the message names the flag and quotes the value.</exception>
    public static (int Height, int Width) ParseSize(string text, string flag) =>
        TryParseSize(text) ?? throw new CalibException(
            $"{flag} '{text}' is not an image size: give N or HxW (height x width), e.g. {flag} 224 or {flag} 224x320.");

    /// <summary>One line for logs and reports, e.g. "resize 256x256 (bilinear), center crop 224x224, RGB, scale 1/255, mean …".</summary>
    public string Describe()
    {
        var steps = new List<string>();
        if (Resize is { } resize) steps.Add($"resize {resize.Height}x{resize.Width} (bilinear)");
        if (Crop is { } crop) steps.Add($"center crop {crop.Height}x{crop.Width}");
        steps.Add(ChannelOrder.ToString().ToUpperInvariant());
        if (MeanValues is not null) steps.Add($"mean_values {Format(MeanValues)}");
        steps.Add($"scale {FormatScale(EffectiveScale)}");
        if (Mean is not null) steps.Add($"mean {Format(Mean)}");
        if (Std is not null) steps.Add($"std {Format(Std)}");
        return string.Join(", ", steps);
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    /// <summary>Value equality, comparing the per-channel arrays element by element.</summary>
    public bool Equals(Preprocessing? other) =>
        other is not null
        && Resize == other.Resize
        && Crop == other.Crop
        && ChannelOrder == other.ChannelOrder
        && Scale == other.Scale
        && SameValues(Mean, other.Mean)
        && SameValues(Std, other.Std)
        && SameValues(MeanValues, other.MeanValues);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Resize, Crop, ChannelOrder, Scale, ValuesHash(Mean), ValuesHash(Std), ValuesHash(MeanValues));

    /// <summary>
    /// Checks the settings against a model input of <paramref name="channels"/> channels: per-channel
    /// lists have 1 or <paramref name="channels"/> values, sizes are positive, nothing divides by zero.
    /// </summary>
    internal void CheckFor(int channels)
    {
        CheckSize(Resize, "--resize");
        CheckSize(Crop, "--crop");
        if (Scale is { } scale && !float.IsFinite(scale))
            throw new CalibException($"--scale {Format(scale)} is not a finite number.");
        // Zero would turn every image into the same constant input: nothing to calibrate from.
        if (Scale == 0f)
            throw new CalibException("--scale 0 makes every pixel 0: give the factor that maps raw 0-255 pixels to the model's range, e.g. 1/255.");
        CheckValues(Mean, "--mean", channels);
        CheckValues(Std, "--std", channels);
        CheckValues(MeanValues, "--mean-values", channels);
        if (Std is not null && Std.Contains(0f))
            throw new CalibException($"--std {Format(Std)} contains 0: a standard deviation must not be zero.");
    }

    private static (int Height, int Width)? TryParseSize(string text)
    {
        var parts = text.Trim().Split('x', 'X');
        if (parts.Length > 2 || !TryParseDimension(parts[0], out var height)) return null;
        if (parts.Length == 1) return (height, height);
        return TryParseDimension(parts[1], out var width) ? (height, width) : null;
    }

    private static bool TryParseDimension(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static void CheckSize((int Height, int Width)? size, string flag)
    {
        if (size is { } s && (s.Height <= 0 || s.Width <= 0))
            throw new CalibException($"{flag} {s.Height}x{s.Width} is not a size: height and width must be positive.");
    }

    private static void CheckValues(float[]? values, string flag, int channels)
    {
        if (values is null) return;
        if (values.Length != 1 && values.Length != channels)
            throw new CalibException(
                $"{flag} {Format(values)} has {values.Length} values but the model input has {channels} channel(s): give 1 value or {channels}.");
        if (!values.All(float.IsFinite))
            throw new CalibException($"{flag} {Format(values)} contains a value that is not a finite number.");
    }

    private static bool SameValues(float[]? a, float[]? b) =>
        a is null || b is null ? a == b : a.AsSpan().SequenceEqual(b);

    private static int ValuesHash(float[]? values)
    {
        var hash = new HashCode();
        foreach (var value in values ?? []) hash.Add(value);
        return hash.ToHashCode();
    }

    private static string FormatScale(float scale) => scale == UnitScale ? "1/255" : Format(scale);

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(float[] values) => string.Join(",", values.Select(Format));
}
