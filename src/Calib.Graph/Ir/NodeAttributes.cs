using System.Text;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;
using AttributeType = Calib.Graph.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace Calib.Graph.Ir;

/// <summary>
/// The attributes of a node, in their original order, with typed accessors.
/// Attributes are kept as ONNX <see cref="AttributeProto"/>s so that anything calib does not
/// interpret (subgraphs, type protos, references to function attributes) survives unchanged.
/// </summary>
public sealed class NodeAttributes
{
    private readonly List<AttributeProto> _items;

    internal NodeAttributes(IEnumerable<AttributeProto> items) => _items = items.ToList();

    /// <summary>All attributes, in order.</summary>
    public IReadOnlyList<AttributeProto> All => _items;

    /// <summary>True when an attribute of this name is present.</summary>
    public bool Has(string name) => Find(name) is not null;

    /// <summary>The attribute of this name, or null.</summary>
    public AttributeProto? Find(string name) => _items.FirstOrDefault(a => a.Name == name);

    /// <summary>An INT attribute, or <paramref name="fallback"/> when absent.</summary>
    public long GetInt(string name, long fallback) => Find(name) is { } a ? a.I : fallback;

    /// <summary>A FLOAT attribute, or <paramref name="fallback"/> when absent.</summary>
    public float GetFloat(string name, float fallback) => Find(name) is { } a ? a.F : fallback;

    /// <summary>An INTS attribute, or null when absent.</summary>
    public long[]? GetInts(string name) => Find(name) is { } a ? a.Ints.ToArray() : null;

    /// <summary>A FLOATS attribute, or null when absent.</summary>
    public float[]? GetFloats(string name) => Find(name) is { } a ? a.Floats.ToArray() : null;

    /// <summary>A TENSOR attribute, or null when absent.</summary>
    public TensorProto? GetTensor(string name) => Find(name)?.T;

    /// <summary>Sets (or replaces) an INT attribute.</summary>
    public void Set(string name, long value) => Put(new AttributeProto { Name = name, Type = AttributeType.Int, I = value });

    /// <summary>Sets (or replaces) a FLOAT attribute.</summary>
    public void Set(string name, float value) => Put(new AttributeProto { Name = name, Type = AttributeType.Float, F = value });

    /// <summary>Sets (or replaces) a STRING attribute.</summary>
    public void Set(string name, string value) =>
        Put(new AttributeProto { Name = name, Type = AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) });

    /// <summary>Sets (or replaces) an INTS attribute.</summary>
    public void Set(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Ints };
        a.Ints.AddRange(values);
        Put(a);
    }

    /// <summary>Sets (or replaces) a FLOATS attribute.</summary>
    public void Set(string name, IEnumerable<float> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Floats };
        a.Floats.AddRange(values);
        Put(a);
    }

    /// <summary>Sets (or replaces) a TENSOR attribute.</summary>
    public void Set(string name, TensorProto value) => Put(new AttributeProto { Name = name, Type = AttributeType.Tensor, T = value });

    /// <summary>Removes the attribute of this name if present.</summary>
    public void Remove(string name) => _items.RemoveAll(a => a.Name == name);

    /// <summary>Sets an attribute given as a protobuf message, replacing one of the same name.</summary>
    public void Put(AttributeProto attribute)
    {
        var index = _items.FindIndex(a => a.Name == attribute.Name);
        if (index >= 0) _items[index] = attribute;
        else _items.Add(attribute);
    }

    internal NodeAttributes Clone() => new(_items.Select(a => a.Clone()));
}
