namespace Calib.Algorithms.Ristretto;

/// <summary>
/// What Ristretto's analysis (<c>RangeInLayers</c>) records for one layer: the largest absolute value
/// of its input, its output (the top blob as the whole forward pass leaves it, so after an in-place
/// ReLU) and its weights (not the bias); and, for the minifloat exponent's underflow side, which
/// Ristretto does not analyse, the smallest nonzero magnitude of each.
/// </summary>
/// <param name="MaxIn">max |input|.</param>
/// <param name="MaxOut">max |output|.</param>
/// <param name="MaxParams">max |weight|.</param>
/// <param name="MinIn">min |input| over nonzero inputs; 0 when unknown.</param>
/// <param name="MinOut">min |output| over nonzero outputs; 0 when unknown.</param>
/// <param name="MinParams">min |weight| over nonzero weights; 0 when unknown.</param>
public sealed record LayerRanges(double MaxIn, double MaxOut, double MaxParams, double MinIn = 0, double MinOut = 0, double MinParams = 0)
{
    /// <summary>The input's integer length: ceil(log2(max|in|)) + 1.</summary>
    public int InputIntegerLength => DynamicFixedPoint.IntegerLength(MaxIn);

    /// <summary>The output's integer length: ceil(log2(max|out|)) + 1.</summary>
    public int OutputIntegerLength => DynamicFixedPoint.IntegerLength(MaxOut);

    /// <summary>The weights' integer length: ceil(log2(max|w|)) + 1.</summary>
    public int ParamsIntegerLength => DynamicFixedPoint.IntegerLength(MaxParams);
}
