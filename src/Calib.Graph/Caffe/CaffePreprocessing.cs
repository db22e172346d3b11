using System.Text.Json;
using System.Text.Json.Serialization;
using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe;

/// <summary>
/// The preprocessing a Caffe train/test net applies to its images (the <c>transform_param</c> of
/// its TEST-phase data layer, plus ImageData's resize): resize, center
/// crop, mean subtraction (per channel, or a mean image from <c>mean_file</c>), then scaling —
/// <c>x = (p − mean)·scale</c> on raw 0–255 pixels, as Caffe's DataTransformer computes it.
/// Stored as JSON in the converted model's metadata under <see cref="MetadataKey"/>.
/// </summary>
public sealed record CaffePreprocessing
{
    /// <summary>The metadata_props key of the JSON form.</summary>
    public const string MetadataKey = "calib.preprocessing";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The data layer the settings come from.</summary>
    public required string Layer { get; init; }

    /// <summary>Multiplies the pixels after the mean is subtracted (transform_param scale).</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Per-channel means (transform_param mean_value): one value, or one per channel.</summary>
    public float[]? MeanValues { get; init; }

    /// <summary>The mean_file as written in the prototxt.</summary>
    public string? MeanFile { get; init; }

    /// <summary>The file the mean image was read from (the path as written, or found beside the prototxt); null when not found.</summary>
    public string? MeanFilePath { get; init; }

    /// <summary>The mean image's dimensions ([1,C,H,W] or [C,H,W]); null without a readable mean_file.</summary>
    public long[]? MeanImageShape { get; init; }

    /// <summary>The mean image, C×H×W in row-major order; not part of the JSON form.</summary>
    [JsonIgnore]
    public float[]? MeanImage { get; init; }

    /// <summary>Center crop (height, width) at test time (transform_param crop_size); null when none.</summary>
    public int[]? Crop { get; init; }

    /// <summary>Resize (height, width) before cropping (ImageData new_height/new_width); null when none.</summary>
    public int[]? Resize { get; init; }

    /// <summary>Random mirroring during training (transform_param mirror); recorded, not applied at test time.</summary>
    public bool Mirror { get; init; }

    /// <summary>
    /// One mean per channel: <see cref="MeanValues"/>, else the per-channel average of the mean image,
    /// else null. The average stands in for the mean image where a per-pixel mean cannot be applied.
    /// </summary>
    public float[]? ChannelMeans { get; init; }

    /// <summary>The JSON form stored in the model metadata.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads the JSON form (as stored by <see cref="ToJson"/>).</summary>
    /// <exception cref="CalibException">The text is not that JSON form.</exception>
    public static CaffePreprocessing FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<CaffePreprocessing>(json, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CalibException($"The model's '{MetadataKey}' metadata is not calib's Caffe preprocessing JSON ({e.Message}).");
        }
    }

    /// <summary>
    /// The preprocessing of a data layer. <paramref name="prototxtDirectory"/> is where a mean_file
    /// that does not exist as written (Caffe paths are relative to where Caffe ran) is looked up by file name.
    /// </summary>
    /// <exception cref="CalibException">The mean file exists but is not a readable blob.</exception>
    public static CaffePreprocessing From(LayerParameter layer, string prototxtDirectory, Action<string>? warn)
    {
        var transform = layer.TransformParam ?? new TransformationParameter();
        var meanPath = transform.HasMeanFile ? FindMeanFile(transform.MeanFile, prototxtDirectory) : null;
        if (transform.HasMeanFile && meanPath is null)
            warn?.Invoke($"data layer '{layer.Name}': mean_file '{transform.MeanFile}' was not found (nor beside the prototxt); its mean is not part of the recorded preprocessing.");
        var mean = meanPath is null ? null : CaffeFiles.ReadBlob(meanPath);
        var meanImage = mean is null ? null : BlobReader.Values(mean);
        var meanShape = mean is null ? null : BlobReader.Dims(mean);
        var meanValues = transform.MeanValue.Count > 0 ? transform.MeanValue.ToArray() : null;
        var image = layer.ImageDataParam;
        return new CaffePreprocessing
        {
            Layer = layer.Name,
            Scale = transform.Scale,
            MeanValues = meanValues,
            MeanFile = transform.HasMeanFile ? transform.MeanFile : null,
            MeanFilePath = meanPath,
            MeanImageShape = meanShape,
            MeanImage = meanImage,
            ChannelMeans = meanValues ?? ChannelMeansOf(meanImage, meanShape),
            Crop = transform.CropSize > 0 ? [(int)transform.CropSize, (int)transform.CropSize] : null,
            Resize = image is { NewHeight: > 0, NewWidth: > 0 } ? [(int)image.NewHeight, (int)image.NewWidth] : null,
            Mirror = transform.Mirror,
        };
    }

    private static string? FindMeanFile(string meanFile, string prototxtDirectory)
    {
        if (File.Exists(meanFile)) return meanFile;
        var beside = Path.Combine(prototxtDirectory, meanFile);
        if (File.Exists(beside)) return beside;
        var byName = Path.Combine(prototxtDirectory, Path.GetFileName(meanFile));
        return File.Exists(byName) ? byName : null;
    }

    private static float[]? ChannelMeansOf(float[]? image, long[]? shape)
    {
        if (image is null || shape is not { Length: >= 3 } || shape[^3] <= 0) return null;
        var channels = (int)shape[^3];
        var plane = image.Length / channels;
        var means = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            double sum = 0;
            for (var i = 0; i < plane; i++) sum += image[c * plane + i];
            means[c] = (float)(sum / plane);
        }
        return means;
    }
}
