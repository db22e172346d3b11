using System.Globalization;

namespace Calib.Algorithms.Data;

/// <summary>
/// Spots an image model fed raw pixels by mistake: no preprocessing was given (by flags or by the
/// model, e.g. a Caffe transform_param), and the input the model sees is non-negative with values
/// above <see cref="Threshold"/>. Scaled images lie in [0, 1], and mean/std-normalized ones go negative,
/// so non-negative input beyond 2 is what 0–255 pixels look like (a first batch of images rarely stays
/// that dark). The model still runs: it may really want raw pixels, so this is a warning, not an error.
/// </summary>
public static class RawPixelCheck
{
    /// <summary>The largest value scaled image input reaches, with a margin: above it, non-negative input looks raw.</summary>
    public const double Threshold = 2;

    /// <summary>
    /// The warning to print (one line, without the "calib: warning:" prefix), or null when the input
    /// looks preprocessed or preprocessing was given.
    /// </summary>
    /// <param name="observedMin">The smallest input value seen (a first batch, or every batch), after whatever preprocessing ran.</param>
    /// <param name="observedMax">The largest input value seen.</param>
    /// <param name="preprocessingGiven">True when the flags or the model set any preprocessing (even an explicit "none").</param>
    public static string? Warning(double observedMin, double observedMax, bool preprocessingGiven) =>
        preprocessingGiven || observedMin < 0 || !(observedMax > Threshold)
            ? null
            : $"no preprocessing was given and the model input ranges over [{Number(observedMin)}, {Number(observedMax)}]: " +
              "that looks like raw 0-255 pixels. If the model was trained on scaled or normalized images, give --scale (e.g. 1/255) " +
              "or --preprocess (mnist, imagenet, caffe); --preprocess none keeps raw pixels without this warning.";

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
