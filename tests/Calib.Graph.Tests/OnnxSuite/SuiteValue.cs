using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Calib.Graph.Tests.OnnxSuite;

/// <summary>
/// A value fed to or returned by a test-suite model, in a form that can be compared:
/// tensors as type + shape + little-endian bytes (or strings), sequences as lists, and the
/// empty optional.
/// </summary>
internal abstract record SuiteValue
{
    /// <summary>
    /// A stored tensor; <paramref name="declaredType"/> (the model's declared element type) wins over the
    /// file's when both have the same width, as ONNX's data files store bfloat16 tensors as uint16.
    /// </summary>
    public static SuiteValue FromTensorProto(TensorProto tensor, int declaredType = 0)
    {
        var stored = (Onnx.Proto.TensorProto.Types.DataType)tensor.DataType;
        var type = declaredType != 0 && TensorData.ElementSize((Onnx.Proto.TensorProto.Types.DataType)declaredType) == TensorData.ElementSize(stored)
            ? declaredType
            : tensor.DataType;
        return (TensorElementType)type == TensorElementType.String
            ? new TensorValue(TensorElementType.String, [.. tensor.Dims], [], [.. tensor.StringData.Select(s => s.ToStringUtf8())])
            : new TensorValue((TensorElementType)type, [.. tensor.Dims], TensorData.RawBytes(tensor), null);
    }

    public static SuiteValue FromSequenceProto(SequenceProto sequence) =>
        new SequenceValue([.. sequence.TensorValues.Select(FromTensorProto).Concat(sequence.SequenceValues.Select(FromSequenceProto))]);

    public static SuiteValue FromOptionalProto(OptionalProto optional) =>
        optional.TensorValue is { } t ? FromTensorProto(t)
        : optional.SequenceValue is { } s ? FromSequenceProto(s)
        : new NoneValue();

    public static SuiteValue FromOrt(OrtValue value) => value.OnnxType switch
    {
        OnnxValueType.ONNX_TYPE_TENSOR => TensorFromOrt(value),
        OnnxValueType.ONNX_TYPE_SEQUENCE => new SequenceValue(
            [.. Enumerable.Range(0, value.GetValueCount()).Select(i =>
            {
                using var item = value.GetValue(i, OrtAllocator.DefaultInstance);
                return FromOrt(item);
            })]),
        var other => throw new NotSupportedException($"output kind {other}"),
    };

    private static TensorValue TensorFromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType == TensorElementType.String
            ? new TensorValue(TensorElementType.String, info.Shape, [], value.GetStringTensorAsArray())
            : new TensorValue(info.ElementDataType, info.Shape, value.GetTensorMutableRawData().ToArray(), null);
    }

    /// <summary>An ONNX Runtime value holding this value, for feeding a session.</summary>
    public abstract OrtValue ToOrt();

    /// <summary>Bit-exact equality.</summary>
    public abstract bool SameAs(SuiteValue other);

    /// <summary>Equality within ONNX's backend-test tolerance for floating-point tensors.</summary>
    public abstract bool Near(SuiteValue other, double rtol = 1e-3, double atol = 1e-7);
}

internal sealed record TensorValue(TensorElementType Type, long[] Shape, byte[] Bytes, string[]? Strings) : SuiteValue
{
    public override OrtValue ToOrt()
    {
        if (Strings is not null)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, Shape);
            for (var i = 0; i < Strings.Length; i++) strings.StringTensorSetElementAt(Strings[i].AsSpan(), i);
            return strings;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Type, Shape);
        Bytes.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    public override bool SameAs(SuiteValue other) =>
        other is TensorValue t && t.Type == Type && t.Shape.SequenceEqual(Shape)
        && t.Bytes.AsSpan().SequenceEqual(Bytes) && (Strings ?? []).SequenceEqual(t.Strings ?? []);

    public override bool Near(SuiteValue other, double rtol = 1e-3, double atol = 1e-7)
    {
        if (other is not TensorValue t || t.Type != Type || !t.Shape.SequenceEqual(Shape)) return false;
        var mine = AsDoubles();
        var theirs = t.AsDoubles();
        if (mine is null || theirs is null) return SameAs(other);
        if (mine.Length != theirs.Length) return false;
        for (var i = 0; i < mine.Length; i++)
        {
            var (a, b) = (mine[i], theirs[i]);
            if (double.IsNaN(a) || double.IsNaN(b)) { if (double.IsNaN(a) != double.IsNaN(b)) return false; continue; }
            if (double.IsInfinity(a) || double.IsInfinity(b)) { if (a != b) return false; continue; }
            if (Math.Abs(a - b) > atol + rtol * Math.Abs(b)) return false;
        }
        return true;
    }

    private double[]? AsDoubles() => Type switch
    {
        TensorElementType.Float => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Bytes).ToArray().Select(f => (double)f)],
        TensorElementType.Double => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(Bytes).ToArray(),
        TensorElementType.Float16 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Bytes).ToArray().Select(h => (double)h)],
        TensorElementType.BFloat16 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(Bytes).ToArray()
            .Select(u => (double)BitConverter.Int32BitsToSingle(u << 16))],
        _ => null,
    };
}

internal sealed record SequenceValue(IReadOnlyList<SuiteValue> Items) : SuiteValue
{
    // ONNX Runtime cannot build an empty sequence value from C#.
    public override OrtValue ToOrt() => Items.Count == 0
        ? throw new NotSupportedException("empty sequence input")
        : OrtValue.CreateSequence([.. Items.Select(i => i.ToOrt())]);

    public override bool SameAs(SuiteValue other) =>
        other is SequenceValue s && s.Items.Count == Items.Count && Items.Zip(s.Items).All(p => p.First.SameAs(p.Second));

    public override bool Near(SuiteValue other, double rtol = 1e-3, double atol = 1e-7) =>
        other is SequenceValue s && s.Items.Count == Items.Count && Items.Zip(s.Items).All(p => p.First.Near(p.Second, rtol, atol));
}

internal sealed record NoneValue : SuiteValue
{
    public override OrtValue ToOrt() => throw new NotSupportedException("empty optional input");

    public override bool SameAs(SuiteValue other) => other is NoneValue;

    public override bool Near(SuiteValue other, double rtol = 1e-3, double atol = 1e-7) => other is NoneValue;
}
