namespace Calib.Algorithms.Quantization;

/// <summary>The range of values a quantizer represents; values outside are clipped to its ends.</summary>
/// <param name="Min">The lower end.</param>
/// <param name="Max">The upper end.</param>
public readonly record struct ClipRange(double Min, double Max)
{
    /// <summary>
    /// The range extended to contain 0 (min lowered to 0 or max raised to 0), so that zero, used by
    /// padding and ReLU, is exactly representable. A −0 end becomes +0.
    /// </summary>
    public ClipRange IncludingZero() => new(Math.Min(Min, 0) + 0.0, Math.Max(Max, 0) + 0.0);
}
