using System.Text.Json;
using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Data;

/// <summary>
/// The preprocessing a model was calibrated with, recorded in the models calib writes (metadata_props
/// key <see cref="MetadataKey"/>, the same JSON as the record's "preprocessing"), so that commands
/// reading those models later feed them the same input when no flag says otherwise.
/// </summary>
public static class PreprocessingMetadata
{
    /// <summary>The metadata_props key of the JSON form.</summary>
    public const string MetadataKey = "calib.input_preprocessing";

    /// <summary>What "preprocessing_source" says when the preprocessing came from the flags.</summary>
    public const string FromFlags = "flags";

    /// <summary>What "preprocessing_source" says when nothing gave a preprocessing: raw 0–255 pixels.</summary>
    public const string None = "none";

    /// <summary>Records <paramref name="preprocessing"/> in <paramref name="model"/>'s metadata.</summary>
    public static void Stamp(OnnxModel model, Preprocessing preprocessing) =>
        model.SetMetadata(MetadataKey, JsonSerializer.Serialize(preprocessing));

    /// <summary>The preprocessing recorded in <paramref name="model"/>, or null when there is none.</summary>
    /// <exception cref="CalibException">The entry is there but is not calib's preprocessing JSON.</exception>
    public static Preprocessing? Read(OnnxModel model, string source) => Parse(model.GetMetadata(MetadataKey), source);

    /// <summary>The preprocessing recorded in the metadata of the model file at <paramref name="path"/>; null when there is none or the file is unreadable.</summary>
    /// <exception cref="CalibException">The entry is not calib's preprocessing JSON.</exception>
    public static Preprocessing? Read(string path) =>
        Parse(Graph.Onnx.ModelMetadata.Read(path).GetValueOrDefault(MetadataKey), path);

    /// <summary>
    /// The preprocessing a command uses and where it came from: the flags, else the one calib recorded in
    /// the model, else a Caffe train/test net's transform_param, else none.
    /// </summary>
    /// <exception cref="CalibException">The recorded entry is not calib's preprocessing JSON.</exception>
    public static (Preprocessing Preprocessing, string Source) Resolve(Preprocessing? flags, LoadedModel model, string source)
    {
        if (flags is not null) return (flags, FromFlags);
        if (Read(model.Model, source) is { } recorded) return (recorded, $"model ({MetadataKey} metadata)");
        if (model.Preprocessing is { } caffe) return (Preprocessing.FromCaffe(caffe), "model (Caffe transform_param)");
        return (new Preprocessing(), None);
    }

    /// <summary>
    /// The preprocessing of an evaluation: the flags, else the one recorded in the float model, else the
    /// one recorded in the quantized model (calibration's), else the float model's Caffe transform_param, else none.
    /// </summary>
    /// <param name="flags">The preprocessing flags given, or null.</param>
    /// <param name="floatModel">The float model.</param>
    /// <param name="floatPath">The float model's file, for messages.</param>
    /// <param name="quantizedPath">The quantized model file.</param>
    /// <param name="warn">Hears that the two models record different preprocessing.</param>
    /// <exception cref="CalibException">A recorded entry is not calib's preprocessing JSON.</exception>
    public static Preprocessing ForEvaluation(Preprocessing? flags, LoadedModel floatModel, string floatPath, string quantizedPath, Action<string>? warn)
    {
        if (flags is not null) return flags;
        var ofFloat = Read(floatModel.Model, floatPath);
        var ofQuantized = Read(quantizedPath);
        if (ofFloat is not null && ofQuantized is not null && ofFloat != ofQuantized)
            warn?.Invoke($"'{floatPath}' records the preprocessing '{ofFloat.Describe()}' but '{quantizedPath}' records '{ofQuantized.Describe()}'; " +
                "using the float model's. Give --preprocess or --mean/--std to choose.");
        return ofFloat ?? ofQuantized ?? Resolve(null, floatModel, floatPath).Preprocessing;
    }

    private static Preprocessing? Parse(string? json, string source)
    {
        if (json is null) return null;
        try
        {
            return JsonSerializer.Deserialize<Preprocessing>(json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CalibException(
                $"'{source}' has a '{MetadataKey}' metadata entry that is not calib's preprocessing JSON ({e.Message}): " +
                "give the preprocessing flags, or remove the entry.");
        }
    }
}
