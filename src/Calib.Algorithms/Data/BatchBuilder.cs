using System.Runtime.ExceptionServices;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// Makes the batches of one read, in order: batches of <c>batchSize</c> samples until
/// <c>total</c> are made (the last batch holds the rest), or — for a covering read that skips — until the
/// samples run out. The files of a batch are loaded in parallel, then
/// accepted one by one in file order — skips, size checks and errors — and finally written into
/// their slots in parallel; so the result (and which error is reported) never depends on timing.
/// </summary>
internal sealed class BatchBuilder(
    SampleList samples,
    SampleLoader loader,
    SampleGeometry geometry,
    PixelTransform transform,
    int batchSize,
    long total,
    BatchReaderOptions options,
    ParallelOptions parallel,
    bool covering = false)
{
    private int _next;
    private int _skipped;
    private (string File, int Height, int Width)? _first;

    /// <summary>Makes batch <paramref name="index"/>; batches must be made in order. Null when a covering read has no sample left.</summary>
    /// <exception cref="CalibException">A file is unusable, or too few files remain.</exception>
    public Batch? Build(int index)
    {
        var size = (int)Math.Min(batchSize, total - (long)index * batchSize);
        var kept = new List<LoadedSample>(size);
        var loaded = new List<LoadedSample>(size);
        var skipped = new List<string>();
        try
        {
            while (kept.Count < size)
            {
                // A covering read that skipped files ends short: it uses whatever decodes.
                if (covering && _next == samples.Items.Count) break;
                if (!covering) EnsureEnoughRemain((long)index * batchSize + kept.Count);
                var items = samples.Items.Skip(_next).Take(size - kept.Count).ToArray();
                _next += items.Length;
                var (loads, errors) = LoadAll(items);
                loaded.AddRange(loads.OfType<LoadedSample>());
                for (var i = 0; i < items.Length; i++)
                    if (Accept(loads[i], errors[i])) kept.Add(loads[i]!);
                    else skipped.Add(items[i].Name);
            }
            return kept.Count == 0 ? null : Assemble(index, kept) with { Skipped = skipped };
        }
        finally
        {
            foreach (var sample in loaded) sample.Dispose();
        }
    }

    // Only skipping can run a read short, and only calibration reads skip.
    private void EnsureEnoughRemain(long used)
    {
        var needed = total - used;
        var count = samples.Items.Count;
        if (count - _next >= needed) return;
        throw new CalibException(
            $"Calibration needs --batch-num {total / batchSize} × --batch-size {batchSize} = {total} samples, " +
            $"but only {count - _skipped} of the {count} files in '{samples.Location}' are readable " +
            $"({_skipped} did not decode): add images or lower --batch-num or --batch-size.");
    }

    private (LoadedSample?[] Samples, ExceptionDispatchInfo?[] Errors) LoadAll(SampleItem[] items)
    {
        var loads = new LoadedSample?[items.Length];
        var errors = new ExceptionDispatchInfo?[items.Length];
        Parallel.For(0, items.Length, parallel, i =>
        {
            // Captured, not thrown: Parallel.For would wrap it in an AggregateException, and the
            // error to report is the first in file order, not the first in time.
            try { loads[i] = loader.Load(items[i]); }
            catch (Exception error) { errors[i] = ExceptionDispatchInfo.Capture(error); }
        });
        return (loads, errors);
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

    private Batch Assemble(int index, List<LoadedSample> kept)
    {
        var (height, width) = (kept[0].Height, kept[0].Width);
        var length = transform.Channels * height * width;
        var data = new float[kept.Count * length];
        Parallel.For(0, kept.Count, parallel, i => kept[i].WriteTo(data.AsSpan(i * length, length), transform));
        return new Batch(index, data, [kept.Count, transform.Channels, height, width], kept.Select(s => s.File).ToArray());
    }
}
