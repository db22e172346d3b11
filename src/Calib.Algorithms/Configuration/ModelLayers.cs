using Calib.Graph.Analysis;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// The layers a configuration may name: every node of the prepared model with its verdict, and
/// the type names a layer answers to — its ONNX operator and the Caffe/AMCT name of that kind
/// (Convolution, Deconvolution, InnerProduct, Pooling), so that AMCT configs written for either
/// framework work.
/// </summary>
public sealed class ModelLayers
{
    private readonly Dictionary<string, LayerVerdict> _byName;

    /// <summary>Wraps the verdicts of a prepared model.</summary>
    public ModelLayers(IReadOnlyList<LayerVerdict> verdicts)
    {
        Verdicts = verdicts;
        _byName = verdicts.Where(v => v.Node.Name.Length > 0).ToDictionary(v => v.Node.Name, StringComparer.Ordinal);
    }

    /// <summary>Every node's verdict, in graph order.</summary>
    public IReadOnlyList<LayerVerdict> Verdicts { get; }

    /// <summary>The quantizable layers' names, in graph order.</summary>
    public IEnumerable<string> Quantizable => Verdicts.Where(v => v.IsQuantizable).Select(v => v.Node.Name);

    /// <summary>The verdict of the node named <paramref name="name"/>, or null.</summary>
    public LayerVerdict? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The type names layer <paramref name="name"/> answers to in skip_layer_types and override_layer_types.</summary>
    public IReadOnlySet<string> TypesOf(string name) => _byName.TryGetValue(name, out var verdict)
        ? new HashSet<string>(StringComparer.Ordinal) { verdict.Node.OpType, verdict.Operator?.AmctType ?? verdict.Node.OpType }
        : new HashSet<string>();

    /// <summary>Every type name a quantizable layer of this model answers to.</summary>
    public IReadOnlySet<string> KnownTypes => Quantizable.SelectMany(TypesOf).ToHashSet(StringComparer.Ordinal);
}
