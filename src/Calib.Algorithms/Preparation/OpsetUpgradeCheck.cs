using System.Runtime.InteropServices;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Preparation;

/// <summary>
/// Proves an upgrade from an opset older than 11 kept the model's meaning before anything is quantized:
/// the original and the upgraded float models run in ONNX Runtime (which still runs the old opsets) on
/// the same deterministic input, and every output must agree within <see cref="Tolerance"/> of the
/// reference's largest magnitude. Old-opset rewrites change operator forms (Upsample → Resize and
/// more), so a mistake there would otherwise surface only as a poor quantized model.
/// </summary>
public static class OpsetUpgradeCheck
{
    /// <summary>The largest difference allowed, relative to the reference output's largest magnitude.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Whether <paramref name="original"/> gets an upgrade this check verifies.</summary>
    public static bool Applies(OnnxModel original) =>
        original.DefaultOpset is >= OpsetUpgrade.OldestOpset and < 11 && OpsetUpgrade.Obstacle(original) is null;

    /// <summary>Upgrades a copy of <paramref name="original"/>, runs both on the same input and compares their outputs.</summary>
    /// <param name="original">The model as loaded; it is not changed.</param>
    /// <exception cref="CalibException">
    /// A node cannot be upgraded, an output differs beyond tolerance, or either model does not run; the message names the file.
    /// </exception>
    public static void Verify(OnnxModel original)
    {
        var upgraded = original.Clone();
        new OpsetUpgrade().Apply(upgraded);
        Compare(original, upgraded);
    }

    /// <summary>Runs <paramref name="original"/> and <paramref name="upgraded"/> on the same input and compares their outputs.</summary>
    /// <param name="original">The model as loaded.</param>
    /// <param name="upgraded">The same model upgraded (or, in tests, deliberately changed).</param>
    /// <exception cref="CalibException">An output differs beyond tolerance, or either model does not run; the message names the file.</exception>
    public static void Compare(OnnxModel original, OnnxModel upgraded)
    {
        var file = original.SourcePath ?? original.Graph.Name;
        var inputs = original.Graph.RuntimeInputs.ToDictionary(i => i.Name, Input, StringComparer.Ordinal);
        using var before = Start(original, file, "original");
        using var after = Start(upgraded, file, "upgraded");
        using var expected = Execute(before, inputs, file, "original");
        using var actual = Execute(after, inputs, file, "upgraded");
        foreach (var output in original.Graph.Outputs.Select(o => o.Name))
            if (Difference(expected[output], actual[output]) is { } problem)
                throw new CalibException(
                    $"Model '{file}': the upgrade from ONNX opset {original.DefaultOpset} to {OpsetUpgrade.TargetOpset} changed output '{output}' " +
                    $"({problem}), so calib stops before quantizing. Re-export the model at opset 13 or later.");
    }

    private static ModelRunner Start(OnnxModel model, string file, string which)
    {
        try
        {
            return ModelRunner.Create(model);
        }
        catch (CalibException e)
        {
            throw new CalibException($"Model '{file}': cannot check its upgrade to ONNX opset {OpsetUpgrade.TargetOpset}, the {which} model does not load: {e.Message}");
        }
    }

    private static RunResult Execute(ModelRunner runner, IReadOnlyDictionary<string, TypedArray> inputs, string file, string which)
    {
        try
        {
            return runner.Run(inputs);
        }
        catch (CalibException e)
        {
            throw new CalibException($"Model '{file}': cannot check its upgrade to ONNX opset {OpsetUpgrade.TargetOpset}, the {which} model does not run: {e.Message}");
        }
    }

    // Float inputs get reproducible values in [-1, 1) (images and features alike exercise every op);
    // integer and bool inputs (indices, masks, lengths) get zeros, always valid. Unknown dims are 1.
    private static TypedArray Input(Graph.Onnx.Proto.ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType;
        var type = (DataType)(tensor?.ElemType ?? (int)DataType.Float);
        var shape = tensor?.Shape?.Dim.Select(d => d.DimValue > 0 ? d.DimValue : 1).ToArray() ?? [];
        var count = shape.Aggregate(1L, (a, d) => a * d);
        var random = new Random(1234);
        var bytes = type switch
        {
            DataType.Float => MemoryMarshal.AsBytes(Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray().AsSpan()).ToArray(),
            DataType.Double => MemoryMarshal.AsBytes(Enumerable.Range(0, (int)count).Select(_ => random.NextDouble() * 2 - 1).ToArray().AsSpan()).ToArray(),
            DataType.Float16 => MemoryMarshal.AsBytes(Enumerable.Range(0, (int)count).Select(_ => (Half)(random.NextDouble() * 2 - 1)).ToArray().AsSpan()).ToArray(),
            _ => new byte[count * ElementTypes.Size(type)],
        };
        return new TypedArray(type, shape, bytes);
    }

    // Why two outputs differ, or null when they agree: same shape and type; floats within tolerance, the rest exactly.
    private static string? Difference(OrtValue expected, OrtValue actual)
    {
        var (a, b) = (expected.GetTensorTypeAndShape(), actual.GetTensorTypeAndShape());
        if (!a.Shape.SequenceEqual(b.Shape))
            return $"shape [{string.Join(",", a.Shape)}] became [{string.Join(",", b.Shape)}]";
        if (a.ElementDataType != b.ElementDataType) return $"type {a.ElementDataType} became {b.ElementDataType}";
        if (Values(expected, a.ElementDataType) is not { } reference)
            return expected.GetTensorMutableRawData().SequenceEqual(actual.GetTensorMutableRawData()) ? null : "values differ";
        var values = Values(actual, b.ElementDataType)!;
        double largest = 0, worst = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            if (double.IsFinite(reference[i])) largest = Math.Max(largest, Math.Abs(reference[i]));
            var (x, y) = (reference[i], values[i]);
            var gap = double.IsNaN(x) || double.IsNaN(y) ? (double.IsNaN(x) == double.IsNaN(y) ? 0 : double.PositiveInfinity)
                : x == y ? 0 : Math.Abs(x - y);
            worst = Math.Max(worst, gap);
        }
        return worst == 0 || worst <= Tolerance * largest ? null
            : $"largest difference {worst:G4} against largest magnitude {largest:G4}; allowed {Tolerance:G1} of it";
    }

    private static double[]? Values(OrtValue value, TensorElementType type) => type switch
    {
        TensorElementType.Float => [.. value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)],
        TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
        TensorElementType.Float16 => [.. MemoryMarshal.Cast<byte, Half>(value.GetTensorMutableRawData()).ToArray().Select(v => (double)v)],
        _ => null,
    };
}
