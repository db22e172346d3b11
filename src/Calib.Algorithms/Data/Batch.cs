namespace Calib.Algorithms.Data;

/// <summary>One calibration batch, ready to feed to the model.</summary>
/// <param name="Index">The 0-based batch number.</param>
/// <param name="Data">The tensor in NCHW order, float32.</param>
/// <param name="Shape">The tensor shape: [batch size, channels, height, width].</param>
/// <param name="Files">The files the batch was made from, one per sample, in order.</param>
public sealed record Batch(int Index, float[] Data, long[] Shape, IReadOnlyList<string> Files)
{
    /// <summary>Files passed over while making the batch because they did not decode.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}
