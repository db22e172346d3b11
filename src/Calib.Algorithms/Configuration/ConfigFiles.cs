using Calib.Graph;
using TextFormat = Calib.Graph.TextFormat;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// Loads a configuration file in either of AMCT's formats: the detailed JSON (starts with '{') or
/// the simplified protobuf-text <c>.cfg</c>.
/// </summary>
public static class ConfigFiles
{
    /// <summary>Reads and resolves the configuration at <paramref name="path"/> for a model with <paramref name="layers"/>.</summary>
    public static QuantConfig Load(string path, ModelLayers layers, LayerQuantSettings defaults)
    {
        var bytes = ReadBytes(path);
        return IsDetailed(bytes)
            ? DetailedConfigReader.Read(bytes, path, layers, defaults)
            : SimpleConfigReader.Read(System.Text.Encoding.UTF8.GetString(bytes), path, layers, defaults);
    }

    /// <summary>
    /// The fusion keys of the configuration at <paramref name="path"/> (<c>do_fusion</c>,
    /// <c>skip_fusion_layers</c>), read before the model is prepared because they decide the preparation.
    /// Layer names are checked later, when <see cref="Load"/> reads the whole file against the prepared model.
    /// </summary>
    public static FusionSettings ReadFusion(string path)
    {
        var bytes = ReadBytes(path);
        if (!IsDetailed(bytes))
        {
            var cfg = TextFormat.TextFormatReader.Parse<Proto.AMCTConfig>(System.Text.Encoding.UTF8.GetString(bytes), path);
            return new FusionSettings(cfg.HasDoFusion ? cfg.DoFusion : null, [.. cfg.SkipFusionLayers]);
        }
        var root = PositionedJson.Parse(bytes, path);
        bool? doFusion = null;
        var skip = new List<string>();
        foreach (var (name, _, _, value) in root.Members)
        {
            if (name == "do_fusion") doFusion = DetailedConfigReader.Boolean(value, name);
            else if (name == "skip_fusion_layers") skip.AddRange(DetailedConfigReader.Strings(value, name));
        }
        return new FusionSettings(doFusion, skip);
    }

    private static bool IsDetailed(byte[] bytes) =>
        System.Text.Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').FirstOrDefault() == '{';

    internal static byte[] ReadBytes(string path)
    {
        if (!File.Exists(path)) throw new CalibException($"Configuration file '{path}' does not exist. Check the --config path.");
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read configuration file '{path}': {Graph.IO.ReadFailures.Reason(path, e)}.");
        }
    }
}

/// <summary>A configuration's fusion keys.</summary>
/// <param name="DoFusion">do_fusion, when the file states it.</param>
/// <param name="SkipFusionLayers">skip_fusion_layers.</param>
public sealed record FusionSettings(bool? DoFusion, IReadOnlyList<string> SkipFusionLayers);
