namespace Calib.Algorithms.Evaluation;

/// <summary>How far a tensor's values are from the reference (float) values.</summary>
/// <param name="Cosine">Cosine similarity of the two tensors as flat vectors (1 = same direction).</param>
/// <param name="SqnrDb">Signal-to-quantization-noise ratio, 10·log10(Σf² / Σ(f−q)²), in dB; +∞ when equal.</param>
/// <param name="MaxAbsError">The largest |f − q|.</param>
/// <param name="ReferencePeak">The largest |f|: the scale <see cref="MaxRelativeError"/> is measured against.</param>
public readonly record struct TensorError(double Cosine, double SqnrDb, double MaxAbsError, double ReferencePeak = double.NaN)
{
    /// <summary>
    /// The largest |f − q| relative to the float tensor's peak |f| (0 when both are 0): an element-wise
    /// ratio |f − q| / |f| would be dominated by values near zero, which no output cares about.
    /// </summary>
    public double MaxRelativeError => MaxAbsError == 0 ? 0 : MaxAbsError / ReferencePeak;
}

/// <summary>
/// Accumulates <see cref="TensorError"/> over batches in double precision: Σf², Σq², Σf·q, Σ(f−q)²
/// and max |f−q| over every value seen, so the result is the error over the whole subset.
/// </summary>
public sealed class ErrorAccumulator
{
    private double _ff;
    private double _qq;
    private double _fq;
    private double _dd;
    private double _maxAbs;
    private double _peak;

    /// <summary>Folds in one batch: <paramref name="reference"/> (float) against <paramref name="actual"/> (quantized).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        if (reference.Length != actual.Length)
            throw new ArgumentException($"The tensors differ in size ({reference.Length} vs {actual.Length} values).", nameof(actual));
        for (var i = 0; i < reference.Length; i++)
        {
            double f = reference[i], q = actual[i], d = f - q;
            _ff += f * f;
            _qq += q * q;
            _fq += f * q;
            _dd += d * d;
            _maxAbs = Math.Max(_maxAbs, Math.Abs(d));
            _peak = Math.Max(_peak, Math.Abs(f));
        }
    }

    /// <summary>The error so far.</summary>
    public TensorError Result
    {
        get
        {
            // Two all-zero tensors point the same way; one all-zero tensor points nowhere.
            var cosine = _ff == 0 && _qq == 0 ? 1 : _ff == 0 || _qq == 0 ? 0 : _fq / Math.Sqrt(_ff * _qq);
            var sqnr = _dd == 0 ? double.PositiveInfinity : 10 * Math.Log10(_ff / _dd);
            return new TensorError(cosine, sqnr, _maxAbs, _peak);
        }
    }
}
