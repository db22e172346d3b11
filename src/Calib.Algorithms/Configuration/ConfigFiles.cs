using Calib.Graph;

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
        var firstChar = System.Text.Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').FirstOrDefault();
        return firstChar == '{'
            ? DetailedConfigReader.Read(bytes, path, layers, defaults)
            : SimpleConfigReader.Read(System.Text.Encoding.UTF8.GetString(bytes), path, layers, defaults);
    }

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
