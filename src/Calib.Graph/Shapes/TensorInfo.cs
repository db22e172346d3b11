using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Shapes;

/// <summary>One dimension of a tensor shape: a fixed size, a named symbol (e.g. "batch"), or unknown.</summary>
/// <param name="Value">The size when fixed.</param>
/// <param name="Symbol">The symbolic name when the size is given by a parameter.</param>
public readonly record struct Dimension(long? Value, string? Symbol = null)
{
    /// <summary>A fixed dimension.</summary>
    public static Dimension Fixed(long value) => new(value);

    /// <summary>An unknown dimension with an optional symbolic name.</summary>
    public static Dimension Symbolic(string? symbol) => new(null, string.IsNullOrEmpty(symbol) ? null : symbol);

    /// <summary>True when the size is known.</summary>
    public bool IsFixed => Value.HasValue;

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

/// <summary>The element type and shape of a tensor.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="ElementType">The ONNX element type.</param>
/// <param name="Shape">The dimensions; null when even the rank is unknown.</param>
public sealed record TensorInfo(string Name, DataType ElementType, IReadOnlyList<Dimension>? Shape)
{
    /// <summary>The rank, or null when unknown.</summary>
    public int? Rank => Shape?.Count;

    /// <summary>The size of dimension <paramref name="axis"/>, or null when unknown.</summary>
    public long? DimensionOrNull(int axis) => Shape is not null && axis < Shape.Count ? Shape[axis].Value : null;

    /// <summary>Shape as text, e.g. "[batch,1,28,28]".</summary>
    public string ShapeText => Shape is null ? "[?]" : $"[{string.Join(",", Shape)}]";
}
