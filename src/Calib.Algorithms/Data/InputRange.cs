namespace Calib.Algorithms.Data;

/// <summary>The smallest and largest value of the model input over the batches read.</summary>
internal sealed class InputRange
{
    /// <summary>The smallest input value seen; +∞ before any batch.</summary>
    public float Min { get; private set; } = float.PositiveInfinity;

    /// <summary>The largest input value seen; −∞ before any batch.</summary>
    public float Max { get; private set; } = float.NegativeInfinity;

    /// <summary>Passes <paramref name="batches"/> through, measuring each.</summary>
    public IEnumerable<Batch> Track(IEnumerable<Batch> batches)
    {
        foreach (var batch in batches)
        {
            foreach (var value in batch.Data)
            {
                if (value < Min) Min = value;
                if (value > Max) Max = value;
            }
            yield return batch;
        }
    }
}
