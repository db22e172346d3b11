namespace Calib.Algorithms.Ristretto;

/// <summary>Ristretto's <c>precision</c>: which number format a layer uses.</summary>
public enum RistrettoPrecision
{
    /// <summary>DYNAMIC_FIXED_POINT: inputs, outputs and parameters each in their own fixed point format.</summary>
    DynamicFixedPoint,

    /// <summary>MINIFLOAT: inputs, outputs and parameters in one minifloat format.</summary>
    Minifloat,

    /// <summary>INTEGER_POWER_OF_2_WEIGHTS: power-of-two weights (bias kept), fixed point inputs and outputs.</summary>
    IntegerPowerOf2Weights,
}

/// <summary>
/// How one layer is quantized — the content of its <c>quantization_param</c>. A part left null stays
/// in float (Ristretto's search quantizes one part of the network at a time).
/// </summary>
public sealed record RistrettoLayerFormat
{
    /// <summary>The precision.</summary>
    public required RistrettoPrecision Precision { get; init; }

    /// <summary>The layer input's fixed point format (dynamic fixed point and power-of-two modes).</summary>
    public DynamicFixedPoint? LayerIn { get; init; }

    /// <summary>The layer output's fixed point format (dynamic fixed point and power-of-two modes).</summary>
    public DynamicFixedPoint? LayerOut { get; init; }

    /// <summary>The weights' and bias's fixed point format (dynamic fixed point mode).</summary>
    public DynamicFixedPoint? Params { get; init; }

    /// <summary>The minifloat format of inputs, outputs, weights and bias (minifloat mode).</summary>
    public Minifloat? Minifloat { get; init; }

    /// <summary>The power-of-two weight format (power-of-two mode; the bias stays in float, as in Ristretto).</summary>
    public PowerOfTwo? PowerOfTwoWeights { get; init; }

    /// <summary>Quantizes a weight tensor in place with this layer's parameter format, if it has one.</summary>
    public void QuantizeWeights(Span<float> weights)
    {
        Params?.QuantizeInPlace(weights);
        Minifloat?.QuantizeInPlace(weights);
        PowerOfTwoWeights?.QuantizeInPlace(weights);
    }

    /// <summary>Quantizes a bias in place: Ristretto trims it with the weights' format, except power-of-two weights.</summary>
    public void QuantizeBias(Span<float> bias)
    {
        Params?.QuantizeInPlace(bias);
        Minifloat?.QuantizeInPlace(bias);
    }
}
