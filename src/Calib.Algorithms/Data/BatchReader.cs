using System.Threading.Channels;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// Reads samples as NCHW float32 batches: exactly <c>batchCount</c> batches of <c>batchSize</c>
/// samples from a <see cref="CalibrationSet"/> (the first usable files in set order), or every
/// sample of a <see cref="SampleList"/> (<see cref="Covering"/>, the last batch holding the rest).
/// Decoding runs ahead of the consumer on a background task (a bounded channel of
/// <see cref="BatchReaderOptions.Prefetch"/> batches), so it overlaps with inference; the batches
/// are the same, bit for bit, on every read.
/// </summary>
public sealed class BatchReader : IDisposable
{
    private readonly int _batchSize;
    private readonly long _total;
    private readonly SampleList _samples;
    private readonly BatchReaderOptions _options;
    private readonly SampleLoader _loader;
    private readonly SampleGeometry _geometry;
    private readonly PixelTransform _transform;
    // Cancelled by Dispose but never disposed itself: a read on another thread may still link to
    // it, and a token source without a timer holds nothing that leaks.
    private readonly CancellationTokenSource _disposal = new();

    /// <summary>Checks everything that can be checked without reading a file.</summary>
    /// <param name="set">The calibration files.</param>
    /// <param name="layout">The model input, one sample of it.</param>
    /// <param name="preprocessing">How images become model input.</param>
    /// <param name="batchSize">Samples per batch (--batch-size).</param>
    /// <param name="batchCount">Batches to read (--batch-num).</param>
    /// <param name="options">Decoding options; null for the defaults.</param>
    /// <exception cref="CalibException">
    /// The set has fewer files than batchSize × batchCount, the preprocessing does not fit the model
    /// input, or the model input takes neither 1 nor 3 channels while the set holds images.
    /// </exception>
    public BatchReader(
        CalibrationSet set, InputLayout layout, Preprocessing preprocessing, int batchSize, int batchCount,
        BatchReaderOptions? options = null)
        : this(set.Samples, layout, preprocessing, batchSize, CalibrationSamples(set, batchSize, batchCount), options)
    {
    }

    private readonly bool _covering;

    private BatchReader(SampleList samples, InputLayout layout, Preprocessing preprocessing, int batchSize, long total, BatchReaderOptions? options,
        bool covering = false)
    {
        _covering = covering;
        _options = options ?? new BatchReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Prefetch, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.DecodeThreads, nameof(options));
        if (samples.HasImages && layout.Channels is not (1 or 3))
            throw new CalibException(
                $"The model input is {layout} (CxHxW): images can feed only a 1-channel (grayscale) or 3-channel (colour) " +
                $"input; give this model .npy tensors in '{samples.Location}' instead.");
        preprocessing.CheckFor(layout.Channels);
        _samples = samples;
        _batchSize = batchSize;
        _total = total;
        _loader = new SampleLoader(layout, preprocessing);
        _geometry = new SampleGeometry(layout, preprocessing);
        _transform = new PixelTransform(preprocessing, layout.Channels);
    }

    /// <summary>
    /// A reader of every sample of <paramref name="samples"/>, in order, in batches of
    /// <paramref name="batchSize"/>; the last batch holds what remains. A sample that does not decode
    /// is an error, unless <see cref="BatchReaderOptions.SkipUndecodable"/> skips it (then the batches
    /// hold every sample that decodes, and there may be none).
    /// </summary>
    /// <exception cref="CalibException">The batch size is below 1, the list is empty, or the preprocessing does not fit the model input.</exception>
    public static BatchReader Covering(SampleList samples, InputLayout layout, Preprocessing preprocessing, int batchSize, BatchReaderOptions? options = null)
    {
        ModelInput.CheckBatchSize(batchSize);
        if (samples.Items.Count == 0) throw new CalibException($"'{samples.Location}' holds no samples.");
        return new BatchReader(samples, layout, preprocessing, batchSize, samples.Items.Count, options, covering: true);
    }

    private int BatchCount => (int)((_total + _batchSize - 1) / _batchSize);

    /// <summary>
    /// Reads the batches, in order; each enumeration starts again from the first file. Stopping
    /// early (or disposing the enumerator) stops the decoding; disposing the reader ends an
    /// enumeration in progress with an <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="CalibException">A file is unusable (thrown when the consumer reaches it).</exception>
    public IEnumerable<Batch> ReadBatches()
    {
        ObjectDisposedException.ThrowIf(_disposal.IsCancellationRequested, this);
        return Read();
    }

    /// <summary>Stops any read in progress.</summary>
    public void Dispose() => _disposal.Cancel();

    private IEnumerable<Batch> Read()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_disposal.Token);
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(_options.Prefetch)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var producer = Task.Run(() => Produce(channel.Writer, stop.Token));
        try
        {
            // WaitToReadAsync rethrows the producer's exception as it is (no AggregateException);
            // batches made before the failure are delivered first.
            while (channel.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var batch))
                {
                    yield return batch;
                    // Batches already waiting in the channel must not outlive a Dispose.
                    stop.Token.ThrowIfCancellationRequested();
                }
        }
        finally
        {
            stop.Cancel();
            producer.GetAwaiter().GetResult();
        }
    }

    /// <summary>Makes the batches and hands them over; never faults: its error completes the channel.</summary>
    private async Task Produce(ChannelWriter<Batch> writer, CancellationToken stop)
    {
        try
        {
            var parallel = new ParallelOptions
            {
                CancellationToken = stop,
                MaxDegreeOfParallelism = _options.DecodeThreads == 0 ? Environment.ProcessorCount : _options.DecodeThreads,
            };
            var builder = new BatchBuilder(_samples, _loader, _geometry, _transform, _batchSize, _total, _options, parallel, _covering);
            for (var index = 0; index < BatchCount && builder.Build(index) is { } batch; index++)
                await writer.WriteAsync(batch, stop);
            writer.Complete();
        }
        catch (Exception error)
        {
            writer.Complete(error);
        }
    }

    private static long CalibrationSamples(CalibrationSet set, int batchSize, int batchCount)
    {
        ModelInput.CheckBatchSize(batchSize);
        if (batchCount < 1) throw new CalibException($"--batch-num {batchCount} is not a batch count: it must be at least 1.");
        if (set.Files.Count < (long)batchSize * batchCount)
            throw new CalibException(
                $"Calibration needs --batch-num {batchCount} × --batch-size {batchSize} = {(long)batchSize * batchCount} samples, " +
                $"but '{set.Directory}' holds only {set.Files.Count}: add images or lower --batch-num or --batch-size.");
        return (long)batchSize * batchCount;
    }
}
