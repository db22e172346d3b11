using Calib.Graph;

namespace Calib.Algorithms.Placement;

/// <summary>What <c>calib run --optimize-for</c> places layers for.</summary>
public enum OptimizationGoal
{
    /// <summary>Every quantizable layer in int8, as AMCT places them (the default; what calib always did).</summary>
    Accuracy,

    /// <summary>The same placement as <see cref="Accuracy"/>: every quantizable layer's weights in int8 gives the smallest file.</summary>
    Size,

    /// <summary>Layer groups whose int8 form is measured to be slower than float on this runtime and shape stay float.</summary>
    Speed,
}

/// <summary>Names of <see cref="OptimizationGoal"/> on the command line.</summary>
public static class OptimizationGoals
{
    /// <summary>The goal named <paramref name="name"/> (accuracy, size, speed).</summary>
    /// <exception cref="CalibException">Another name.</exception>
    public static OptimizationGoal Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "accuracy" => OptimizationGoal.Accuracy,
        "size" => OptimizationGoal.Size,
        "speed" => OptimizationGoal.Speed,
        _ => throw new CalibException($"--optimize-for '{name}' is not one of accuracy, speed, size."),
    };
}
