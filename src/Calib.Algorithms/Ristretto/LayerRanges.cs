namespace Calib.Algorithms.Ristretto;

/// <summary>
/// What Ristretto's analysis (<c>RangeInLayers</c>) records for one layer: the largest absolute value
/// of its input, its output (the top blob as the whole forward pass leaves it, so after an in-place
/// ReLU) and its weights (not the bias).
/// </summary>
/// <param name="MaxIn">max |input|.</param>
/// <param name="MaxOut">max |output|.</param>
/// <param name="MaxParams">max |weight|.</param>
public sealed record LayerRanges(double MaxIn, double MaxOut, double MaxParams)
{
    /// <summary>The input's integer length: ceil(log2(max|in|)) + 1.</summary>
    public int InputIntegerLength => DynamicFixedPoint.IntegerLength(MaxIn);

    /// <summary>The output's integer length: ceil(log2(max|out|)) + 1.</summary>
    public int OutputIntegerLength => DynamicFixedPoint.IntegerLength(MaxOut);

    /// <summary>The weights' integer length: ceil(log2(max|w|)) + 1.</summary>
    public int ParamsIntegerLength => DynamicFixedPoint.IntegerLength(MaxParams);
}
