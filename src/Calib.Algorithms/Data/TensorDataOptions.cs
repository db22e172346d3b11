using System.Globalization;
using Calib.Graph;
using Calib.Graph.IO;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Data;

/// <summary>One entry of AMCT's --input-shape: an input name and the shape of one data file for it.</summary>
/// <param name="Name">The model input.</param>
/// <param name="Dimensions">The shape of each of its .bin files.</param>
public sealed record NamedShape(string Name, long[] Dimensions);

/// <summary>
/// How per-input data folders (AMCT's --data-dir "dirA;dirB") are read: --input-shape
/// "name:dims;name:dims" pairs each folder with an input (in order) and gives the shape of its raw
/// .bin files; --data-types "float32;int64" gives their element types (by default the model's).
/// </summary>
/// <param name="Shapes">The --input-shape entries, or null.</param>
/// <param name="Types">The --data-types entries, or null.</param>
public sealed record TensorDataOptions(IReadOnlyList<NamedShape>? Shapes, IReadOnlyList<DataType>? Types)
{
    /// <summary>True when <paramref name="text"/> is AMCT's named form "name:dims;…" rather than Caffe's "N,C,H,W".</summary>
    public static bool IsNamedShapeList(string text) => text.Contains(':');

    /// <summary>Parses AMCT's "name:1,3,224,224;mask:1,16".</summary>
    /// <exception cref="CalibException">An entry is not name:dims with positive dimensions.</exception>
    public static IReadOnlyList<NamedShape> ParseShapes(string text) =>
        text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(entry =>
        {
            var colon = entry.LastIndexOf(':');
            var name = colon > 0 ? entry[..colon].Trim() : "";
            // "rate:" (no dimensions) is a scalar input.
            var dims = colon > 0 ? entry[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];
            var parsed = new long[dims.Length];
            var ok = name.Length > 0;
            for (var i = 0; ok && i < dims.Length; i++)
                ok = long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]) && parsed[i] >= 1;
            return ok ? new NamedShape(name, parsed)
                : throw new CalibException($"--input-shape entry '{entry}' is not name:dims: write e.g. \"input_ids:1,16;attention_mask:1,16\" (positive sizes; \"rate:\" for a scalar).");
        }).ToList();

    /// <summary>Parses "float32;int64".</summary>
    /// <exception cref="CalibException">A name is not a type calib reads.</exception>
    public static IReadOnlyList<DataType> ParseTypes(string text) =>
        text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => ElementTypes.Parse(name)
                ?? throw new CalibException($"--data-types '{name}' is not a type calib reads: use {ElementTypes.Names}."))
            .ToList();
}
