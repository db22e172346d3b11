using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>One calibration batch as the model takes it: a tensor for every model input.</summary>
/// <param name="Index">The 0-based batch number.</param>
/// <param name="Inputs">The tensor of each input, by input name.</param>
/// <param name="Files">The files the batch was made from, in order (a file holding several samples appears once).</param>
/// <param name="Samples">The number of samples in the batch.</param>
public sealed record ModelFeed(int Index, IReadOnlyDictionary<string, TypedArray> Inputs, IReadOnlyList<string> Files, long Samples)
{
    /// <summary>The feed of an image batch for the model input <paramref name="inputName"/>.</summary>
    public static ModelFeed Of(Batch batch, string inputName) =>
        new(batch.Index, new Dictionary<string, TypedArray> { [inputName] = TypedArray.FromFloats(batch.Data, batch.Shape) }, batch.Files, batch.Shape[0]);
}
