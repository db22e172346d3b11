namespace Calib.Algorithms.Evaluation;

/// <summary>
/// How a run measures its own error without labels: the float, fake-quant and deploy models on the
/// same held-out inputs, compared output by output.
/// </summary>
public sealed record FidelitySettings
{
    /// <summary>calib's default number of fidelity samples: enough for stable cosine/SQNR, cheap next to calibration.</summary>
    public const int DefaultSamples = 64;

    /// <summary>Data to measure on, in any form the calibration set takes; null takes the calibration samples calibration neither fed nor skipped.</summary>
    public string? Set { get; init; }

    /// <summary>At most this many samples, spread evenly over the candidates.</summary>
    public int Samples { get; init; } = DefaultSamples;

    /// <summary>
    /// Keep the layers whose own error hurts the output most in float until every model output's cosine
    /// similarity to float is at least this; null sets no such target.
    /// </summary>
    public double? MinCosine { get; init; }

    /// <summary>As <see cref="MinCosine"/>, for the SQNR of every model output in dB.</summary>
    public double? MinSqnrDb { get; init; }

    /// <summary>True when a fidelity target is set.</summary>
    public bool HasTarget => MinCosine is not null || MinSqnrDb is not null;
}
