namespace Calib.Algorithms.Evaluation;

/// <summary>A model with a fixed batch cannot take a shorter last batch: zeros fill it up after the samples.</summary>
internal static class BatchPadding
{
    /// <summary><paramref name="data"/>, <paramref name="rows"/> samples long, extended with zeros to <paramref name="size"/> samples.</summary>
    public static T[] Padded<T>(T[] data, long rows, long size)
    {
        if (rows == size) return data;
        var padded = new T[data.Length / rows * size];
        data.CopyTo(padded, 0);
        return padded;
    }
}
