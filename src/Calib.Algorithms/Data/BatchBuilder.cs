using System.Runtime.ExceptionServices;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// Makes the batches of one read, in order. The files of a batch are loaded in parallel, then
/// accepted one by one in file order — skips, size checks and errors — and finally written into
/// their slots in parallel; so the result (and which error is reported) never depends on timing.
/// </summary>
internal sealed class BatchBuilder(
    CalibrationSet set,
    SampleLoader loader,
    SampleGeometry geometry,
    PixelTransform transform,
    int batchSize,
    int batchCount,
    BatchReaderOptions options,
    ParallelOptions parallel)
{
    private int _next;
    private int _skipped;
    private (string File, int Height, int Width)? _first;

    /// <summary>Makes batch <paramref name="index"/>; batches must be made in order.</summary>
    /// <exception cref="CalibException">A file is unusable, or too few files remain.</exception>
    public Batch Build(int index)
    {
        var kept = new List<LoadedSample>(batchSize);
        var loaded = new List<LoadedSample>(batchSize);
        try
        {
            while (kept.Count < batchSize)
            {
                EnsureEnoughRemain(index * batchSize + kept.Count);
                var files = set.Files.Skip(_next).Take(batchSize - kept.Count).ToArray();
                _next += files.Length;
                var (samples, errors) = LoadAll(files);
                loaded.AddRange(samples.OfType<LoadedSample>());
                for (var i = 0; i < files.Length; i++)
                    if (Accept(samples[i], errors[i])) kept.Add(samples[i]!);
            }
            return Assemble(index, kept);
        }
        finally
        {
            foreach (var sample in loaded) sample.Dispose();
        }
    }

    private void EnsureEnoughRemain(int used)
    {
        var needed = batchCount * batchSize - used;
        if (set.Files.Count - _next >= needed) return;
        throw new CalibException(
            $"Calibration needs --batch-num {batchCount} × --batch-size {batchSize} = {(long)batchCount * batchSize} samples, " +
            $"but only {set.Files.Count - _skipped} of the {set.Files.Count} files in '{set.Directory}' are readable " +
            $"({_skipped} did not decode): add images or lower --batch-num or --batch-size.");
    }

    private (LoadedSample?[] Samples, ExceptionDispatchInfo?[] Errors) LoadAll(string[] files)
    {
        var samples = new LoadedSample?[files.Length];
        var errors = new ExceptionDispatchInfo?[files.Length];
        Parallel.For(0, files.Length, parallel, i =>
        {
            // Captured, not thrown: Parallel.For would wrap it in an AggregateException, and the
            // error to report is the first in file order, not the first in time.
            try { samples[i] = loader.Load(files[i]); }
            catch (Exception error) { errors[i] = ExceptionDispatchInfo.Capture(error); }
        });
        return (samples, errors);
    }

    private bool Accept(LoadedSample? sample, ExceptionDispatchInfo? error)
    {
        if (error?.SourceException is UnreadableFileException unreadable)
        {
            if (!options.SkipUndecodable) throw new CalibException(unreadable.Message);
            _skipped++;
            options.Warn?.Invoke(unreadable.Warning);
            return false;
        }
        error?.Throw();
        geometry.Check(sample!, _first);
        _first ??= (sample!.File, sample.Height, sample.Width);
        return true;
    }

    private Batch Assemble(int index, List<LoadedSample> samples)
    {
        var (height, width) = (samples[0].Height, samples[0].Width);
        var length = transform.Channels * height * width;
        var data = new float[batchSize * length];
        Parallel.For(0, batchSize, parallel, i => samples[i].WriteTo(data.AsSpan(i * length, length), transform));
        return new Batch(index, data, [batchSize, transform.Channels, height, width], samples.Select(s => s.File).ToArray());
    }
}
