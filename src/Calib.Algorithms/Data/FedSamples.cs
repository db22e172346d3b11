namespace Calib.Algorithms.Data;

/// <summary>
/// Which samples calibration fed, by identity (file and index in the file), and which files it skipped
/// (--skip-bad-images): what the checks after calibration re-read (the fed samples) or hold out (the rest).
/// One run per file read, so it stays small whatever --batch-num is.
/// </summary>
public sealed class FedSamples
{
    private readonly List<SampleRun> _runs = [];
    private readonly List<string> _skipped = [];

    /// <summary>The samples fed, in feeding order; consecutive samples of a file form one run.</summary>
    public IReadOnlyList<SampleRun> Runs => _runs;

    /// <summary>Files passed over because they did not decode.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>Number of samples fed.</summary>
    public long Count => _runs.Sum(r => r.Count!.Value);

    /// <summary>Records what <paramref name="feed"/> holds.</summary>
    public void Add(ModelFeed feed)
    {
        foreach (var run in feed.Runs) Append(_runs, run);
        _skipped.AddRange(feed.Skipped);
    }

    /// <summary>At most <paramref name="count"/> of the fed samples, spread evenly over them (<see cref="SampleSpread"/>).</summary>
    public IReadOnlyList<SampleRun> Spread(int count)
    {
        var chosen = new List<SampleRun>();
        var indices = SampleSpread.Indices(Count, count);
        var run = 0;
        long first = 0; // the feeding position of _runs[run]'s first sample
        foreach (var index in indices)
        {
            while (index >= first + _runs[run].Count) first += _runs[run++].Count!.Value;
            Append(chosen, _runs[run] with { Start = _runs[run].Start + index - first, Count = 1 });
        }
        return chosen;
    }

    /// <summary>
    /// The samples of <paramref name="files"/> (every file of the data, in reading order) that were neither
    /// fed nor skipped: whole files, and the rest of the last file fed when <paramref name="filesHoldOneSample"/>
    /// is false (a batched file may have been fed in part).
    /// </summary>
    public IReadOnlyList<SampleRun> NotFed(IReadOnlyList<string> files, bool filesHoldOneSample)
    {
        var fedEnd = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var run in _runs) fedEnd[run.File] = Math.Max(fedEnd.GetValueOrDefault(run.File), run.Start + run.Count!.Value);
        var skipped = _skipped.ToHashSet(StringComparer.Ordinal);
        var lastFed = _runs.Count > 0 ? _runs[^1].File : null;
        var rest = new List<SampleRun>();
        foreach (var file in files)
        {
            if (skipped.Contains(file)) continue;
            if (!fedEnd.TryGetValue(file, out var end)) rest.Add(new SampleRun(file));
            // Reading moves to the next file only when one is used up, so only the last file fed may have samples left.
            else if (file == lastFed && !filesHoldOneSample) rest.Add(new SampleRun(file, end));
        }
        return rest;
    }

    private static void Append(List<SampleRun> runs, SampleRun run)
    {
        if (runs.Count > 0 && runs[^1] is var last && last.File == run.File && last.Start + last.Count == run.Start)
            runs[^1] = last with { Count = last.Count + run.Count };
        else runs.Add(run);
    }
}
