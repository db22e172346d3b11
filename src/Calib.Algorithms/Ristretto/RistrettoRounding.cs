namespace Calib.Algorithms.Ristretto;

/// <summary>
/// How Ristretto rounds a value onto its number format's grid (its <c>rounding_scheme</c>).
/// </summary>
public enum RistrettoRounding
{
    /// <summary>To the nearest grid point, ties away from zero — C's <c>round</c>, which Ristretto calls.</summary>
    Nearest,

    /// <summary><c>floor(x + u)</c> with u uniform in [0, 1): rounds up with probability equal to the fraction.</summary>
    Stochastic,
}

/// <summary>The rounding arithmetic shared by the number formats.</summary>
internal static class Rounding
{
    /// <summary>
    /// Rounds <paramref name="value"/> to an integer: nearest with ties away from zero (C's <c>round</c>,
    /// what Ristretto's CPU and GPU code call), or stochastically with a draw from <paramref name="random"/>.
    /// </summary>
    public static double Apply(double value, RistrettoRounding rounding, Random? random) => rounding switch
    {
        RistrettoRounding.Nearest => Math.Round(value, MidpointRounding.AwayFromZero),
        RistrettoRounding.Stochastic => Math.Floor(value + (random ?? throw new ArgumentNullException(nameof(random), "stochastic rounding needs a seeded generator")).NextDouble()),
        _ => throw new ArgumentOutOfRangeException(nameof(rounding)),
    };
}
