using System.Diagnostics;
using Calib.Graph.Ir;

namespace Calib.Graph.Execution;

/// <summary>How long a paired timing may take and how many runs it makes.</summary>
public sealed record LatencyBudget
{
    /// <summary>Untimed runs of each model after its session is made (JIT of kernels, first allocations).</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>Timed pairs made even when the time is spent (a median needs a few).</summary>
    public int MinPairs { get; init; } = 5;

    /// <summary>Timed pairs at most.</summary>
    public int MaxPairs { get; init; } = 300;

    /// <summary>Wall time after which no new pair starts (sessions and warm-up included).</summary>
    public TimeSpan Time { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many times both sessions are made afresh, each time for its share of the pairs and of the time: one
    /// pair of sessions can keep a slow placement of its threads for its whole life (two sessions of the same
    /// model measured 0.74× of each other at 2 threads on a 2-core machine), so pooling several gives a
    /// median that the next measurement repeats.
    /// </summary>
    public int Blocks { get; init; } = 3;

    /// <summary>The default: 3 warm-up runs, 5 to 300 pairs, 2 s (a model of 0.05 ms per run needs the pairs: its single runs swing by tens of percent).</summary>
    public static LatencyBudget Default { get; } = new();
}

/// <summary>Two models timed side by side on the same input.</summary>
/// <param name="InputShape">The shape of the input fed to both.</param>
/// <param name="Pairs">Timed pairs (one run of each model).</param>
/// <param name="ReferenceMs">Median latency of the reference model, in ms.</param>
/// <param name="CandidateMs">Median latency of the candidate model, in ms.</param>
/// <param name="SpeedUp">Reference median / candidate median (above 1: the candidate is faster).</param>
/// <param name="Spent">Wall time of the whole measurement, sessions included.</param>
public sealed record LatencyResult(long[] InputShape, int Pairs, double ReferenceMs, double CandidateMs, double SpeedUp, TimeSpan Spent);

/// <summary>
/// Times two models against each other in ONNX Runtime. The runs are paired and alternate (reference
/// then candidate, then candidate then reference, …), so a change in the machine's load hits both
/// alike and neither always runs second in a warm cache, in a few blocks of fresh sessions
/// (<see cref="LatencyBudget.Blocks"/>); the figure is the ratio of the two medians,
/// which a few slow runs cannot move (and which agrees with the two times printed beside it). Both sessions are made with intra-op spinning off:
/// otherwise the idle session's worker threads spin on the cores the busy one needs.
/// </summary>
public static class PairedLatency
{
    /// <summary>Times <paramref name="candidate"/> against <paramref name="reference"/> on one float input of <paramref name="inputShape"/>.</summary>
    /// <param name="reference">The model to compare against (the float model).</param>
    /// <param name="candidate">The model measured (the deploy model).</param>
    /// <param name="inputShape">The input's shape; both models take one float input.</param>
    /// <param name="execution">Device and threads; spinning is turned off for the measurement.</param>
    /// <param name="budget">Warm-up, pairs and time; null for <see cref="LatencyBudget.Default"/>.</param>
    /// <exception cref="CalibException">ONNX Runtime rejects either model or the input.</exception>
    public static LatencyResult Measure(OnnxModel reference, OnnxModel candidate, long[] inputShape, ExecutionOptions execution,
        LatencyBudget? budget = null)
    {
        budget ??= LatencyBudget.Default;
        var clock = Stopwatch.StartNew();
        var options = execution with { AllowSpinning = false, OptimizedModelPath = null };
        var data = Input(inputShape);
        var (referenceMs, candidateMs) = (new List<double>(), new List<double>());
        var blocks = Math.Max(1, budget.Blocks);
        for (var block = 1; block <= blocks; block++)
        {
            if (referenceMs.Count >= budget.MaxPairs || (referenceMs.Count >= budget.MinPairs && clock.Elapsed >= budget.Time)) break;
            // The block's share: pair counts and time up to its fraction of the whole, at least one pair for the sessions it made.
            var (minPairs, maxPairs, until) = (Math.Max(referenceMs.Count + 1, (budget.MinPairs * block + blocks - 1) / blocks),
                Math.Max(referenceMs.Count + 1, budget.MaxPairs * block / blocks), budget.Time * block / blocks);
            using var first = ModelRunner.Create(reference, options);
            using var second = ModelRunner.Create(candidate, options);
            for (var i = 0; i < budget.Warmup; i++)
            {
                Time(first, data, inputShape);
                Time(second, data, inputShape);
            }
            while (referenceMs.Count < minPairs || (referenceMs.Count < maxPairs && clock.Elapsed < until))
            {
                var referenceFirst = referenceMs.Count % 2 == 0;
                var (a, b) = referenceFirst ? (first, second) : (second, first);
                var (ta, tb) = (Time(a, data, inputShape), Time(b, data, inputShape));
                referenceMs.Add(referenceFirst ? ta : tb);
                candidateMs.Add(referenceFirst ? tb : ta);
            }
        }
        var (referenceMedian, candidateMedian) = (Median(referenceMs), Median(candidateMs));
        return new LatencyResult(inputShape, referenceMs.Count, referenceMedian, candidateMedian, referenceMedian / candidateMedian, clock.Elapsed);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    // Kernel times do not depend on the values (no data-dependent paths in Conv/Gemm, and these avoid denormals):
    // a fixed pseudo-random pattern in [-1, 1) stands for the images.
    private static float[] Input(long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var random = new Random(17);
        var data = new float[count];
        for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    private static double Time(ModelRunner runner, float[] data, long[] shape)
    {
        var clock = Stopwatch.StartNew();
        runner.Run(runner.InputNames[0], data, shape).Dispose();
        return clock.Elapsed.TotalMilliseconds;
    }
}
