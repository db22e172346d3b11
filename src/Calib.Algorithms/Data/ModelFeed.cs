using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>One batch as the model takes it: a tensor for every model input, and the samples it was made from.</summary>
/// <param name="Index">The 0-based batch number.</param>
/// <param name="Inputs">The tensor of each input, by input name.</param>
/// <param name="Runs">The samples of the batch by identity, in order (every run has its count).</param>
/// <param name="Samples">The number of samples in the batch.</param>
public sealed record ModelFeed(int Index, IReadOnlyDictionary<string, TypedArray> Inputs, IReadOnlyList<SampleRun> Runs, long Samples)
{
    /// <summary>Files passed over while making the batch because they did not decode (--skip-bad-images).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>The files the batch was made from, in order (a file holding several samples appears once).</summary>
    public IReadOnlyList<string> Files => Runs.Select(r => r.File).Distinct().ToList();

    /// <summary>The feed of an image batch for the model input <paramref name="inputName"/>.</summary>
    public static ModelFeed Of(Batch batch, string inputName) =>
        new(batch.Index, new Dictionary<string, TypedArray> { [inputName] = TypedArray.FromFloats(batch.Data, batch.Shape) },
            batch.Files.Select(file => new SampleRun(file, 0, 1)).ToList(), batch.Shape[0])
        {
            Skipped = batch.Skipped,
        };
}
