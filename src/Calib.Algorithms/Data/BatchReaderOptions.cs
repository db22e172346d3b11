namespace Calib.Algorithms.Data;

/// <summary>How a <see cref="BatchReader"/> reads and decodes its files.</summary>
public sealed record BatchReaderOptions
{
    /// <summary>
    /// Skip images that do not decode (with a warning through <see cref="Warn"/>) and use the next
    /// file instead; otherwise such an image is an error.
    /// </summary>
    public bool SkipUndecodable { get; init; }

    /// <summary>How many decoded batches may wait for the consumer (at least 1).</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>How many images of a batch are decoded at once; 0 means one per processor.</summary>
    public int DecodeThreads { get; init; }

    /// <summary>
    /// Receives warnings (skipped files); null drops them. Called from the decoding task, not the
    /// consumer's thread, up to <see cref="Prefetch"/> batches ahead of the batch being consumed.
    /// </summary>
    public Action<string>? Warn { get; init; }
}
