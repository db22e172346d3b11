using Calib.Graph.Ir;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Ristretto;

/// <summary>
/// Builds Ristretto's activation formats as subgraphs of standard ONNX ops (opset 13), so ONNX Runtime
/// runs the quantized network. Every step is exact float arithmetic (power-of-two scaling, Floor,
/// comparisons), and rounding is ties-away-from-zero like Ristretto's C <c>round</c> — not ONNX's
/// half-to-even <c>Round</c>, and not Floor(x + 0.5), whose addition itself rounds for values just
/// below a tie — so the subgraph gives bit for bit what <see cref="DynamicFixedPoint.Quantize"/> and
/// <see cref="Minifloat.Quantize"/> give.
/// </summary>
public sealed class FakeQuantSubgraph
{
    private readonly ModelGraph _graph;
    private readonly UniqueNames _names;
    private readonly List<Node> _nodes = [];
    private readonly string _prefix;

    private FakeQuantSubgraph(ModelGraph graph, UniqueNames names, string prefix)
    {
        _graph = graph;
        _names = names;
        _prefix = prefix;
    }

    /// <summary>
    /// The nodes computing <paramref name="output"/> = <paramref name="format"/>(<paramref name="input"/>):
    /// Mul(2^fl) → Clip(−2^(B−1), 2^(B−1)−1) → round half away from zero → Mul(2^−fl). Constants are
    /// added to <paramref name="graph"/> as initializers; the nodes are returned for the caller to place.
    /// </summary>
    public static IReadOnlyList<Node> Build(ModelGraph graph, UniqueNames names, string prefix, string input, string output, DynamicFixedPoint format)
    {
        var b = new FakeQuantSubgraph(graph, names, prefix);
        var scaled = b.Op("Mul", input, b.Const("scale", (float)Math.Pow(2, format.FractionalLength)));
        var clipped = b.Op("Clip", scaled,
            b.Const("min", (float)-Math.Pow(2, format.BitWidth - 1)),
            b.Const("max", (float)(Math.Pow(2, format.BitWidth - 1) - 1)));
        var rounded = b.Op("Mul", b.RoundAwayMagnitude(b.Op("Abs", clipped)), b.Op("Sign", clipped));
        b.OpInto(output, "Mul", rounded, b.Const("step", (float)format.Step));
        return b._nodes;
    }

    /// <summary>
    /// The nodes computing <paramref name="output"/> = <paramref name="format"/>(<paramref name="input"/>):
    /// the exponent E = floor(log2|x|) (Log, then corrected by comparing with exact powers of two), the
    /// magnitude divided by 2^(E−m), rounded half away from zero and scaled back; magnitudes from
    /// 2^(Emax+1) saturate to the largest value and those below 2^Emin become zero.
    /// </summary>
    public static IReadOnlyList<Node> Build(ModelGraph graph, UniqueNames names, string prefix, string input, string output, Minifloat format)
    {
        var b = new FakeQuantSubgraph(graph, names, prefix);
        var magnitude = b.Op("Abs", input);
        var sign = b.Op("Sign", input);
        var two = b.Const("two", 2f);
        // The exponent is only needed inside the normal range; clipping keeps Log finite.
        var bounded = b.Op("Clip", magnitude, b.Const("lowest", (float)Math.Pow(2, format.MinExponent)), b.Const("highest", (float)Math.Pow(2, format.MaxExponent)));
        var estimate = b.Op("Floor", b.Op("Mul", b.Op("Log", bounded), b.Const("inv_ln2", (float)(1 / Math.Log(2)))));
        // Log is not exact: one step down where 2^E overshoots, one step up where 2^(E+1) still fits.
        var power = b.Op("Pow", two, estimate);
        var tooHigh = b.Op("Cast", to: DataType.Float, b.Op("Greater", power, bounded));
        var tooLow = b.Op("Cast", to: DataType.Float, b.Op("LessOrEqual", b.Op("Mul", power, two), bounded));
        var exponent = b.Op("Add", b.Op("Sub", estimate, tooHigh), tooLow);
        var step = b.Op("Mul", b.Op("Pow", two, exponent), b.Const("mantissa_step", (float)Math.Pow(2, -format.MantissaBits)));
        var rounded = b.Op("Mul", b.RoundAwayMagnitude(b.Op("Div", magnitude, step)), step);
        var saturated = b.Op("Where", b.Op("GreaterOrEqual", magnitude, b.Const("overflow", (float)Math.Pow(2, format.MaxExponent + 1))), b.Const("max", (float)format.Max), rounded);
        // float32 has no normal numbers below 2^-126; Ristretto flushes its denormal inputs as well.
        var flushBelow = (float)Math.Pow(2, Math.Max(format.MinExponent, -126));
        // The sign goes on before the flush: Ristretto writes a flushed value as +0.
        b.OpInto(output, "Where", b.Op("Less", magnitude, b.Const("underflow", flushBelow)), b.Const("zero", 0f), b.Op("Mul", saturated, sign));
        return b._nodes;
    }

    // Rounds a non-negative tensor half away from zero exactly: Floor, then up where the exact remainder is ≥ ½.
    private string RoundAwayMagnitude(string magnitude)
    {
        var floor = Op("Floor", magnitude);
        var up = Op("Cast", to: DataType.Float, Op("GreaterOrEqual", Op("Sub", magnitude, floor), Const("half", 0.5f)));
        return Op("Add", floor, up);
    }

    private string Const(string stem, float value)
    {
        var name = _names.Make($"{_prefix}/{stem}");
        _graph.AddInitializer(name, TensorData.Scalar(value));
        return name;
    }

    private string Op(string opType, params string[] inputs) => OpInto(_names.Make($"{_prefix}/{opType}_out"), opType, inputs);

    private string Op(string opType, DataType to, string input)
    {
        var output = OpInto(_names.Make($"{_prefix}/{opType}_out"), opType, input);
        _nodes[^1].Attributes.Set("to", (long)to);
        return output;
    }

    private string OpInto(string output, string opType, params string[] inputs)
    {
        var node = new Node(opType, _names.Make($"{_prefix}/{opType}"), inputs, [output]);
        _nodes.Add(node);
        return output;
    }
}
