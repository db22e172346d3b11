using Calib.Algorithms.Placement;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// <c>--optimize-for speed</c>: decides by measurement which layer groups stay float. Each candidate group
/// (<see cref="PlacementCandidates"/>) is timed as a whole float island — the deploy model so far against
/// the same model with the group in float, paired and alternating (<see cref="PairedLatency"/>) on the
/// calibration batch shape — and kept float when int8 loses; the choices accumulate in order. Last, the
/// placed deploy model is timed against the float model: when it is still slower, no placement makes int8
/// pay here, and the run says so (it keeps the groups where int8 did not lose, for size and for
/// integer-only targets). The layers kept float go through <see cref="CalibratedModel.KeepingFloatForSpeed"/> (their outputs stay float in the deploy model too), so
/// fake-quant, deploy, record, config and CSV agree.
/// </summary>
public static class SpeedPlacement
{
    /// <summary>Places <paramref name="calibrated"/> for speed, or returns it unchanged for the other goals.</summary>
    /// <param name="calibrated">The calibration, every quantizable layer in int8.</param>
    /// <param name="warn">Receives warnings.</param>
    /// <exception cref="Graph.CalibException">The --timings file exists but cannot be replayed for this model.</exception>
    public static CalibratedModel Apply(CalibratedModel calibrated, Action<string>? warn = null)
    {
        var request = calibrated.Request;
        if (request.OptimizeFor != OptimizationGoal.Speed) return calibrated;
        var shape = calibrated.Statistics.BatchShape;
        if (shape.Count == 0)
        {
            warn?.Invoke("--optimize-for speed needs a model with one float input to time; every quantizable layer stays int8.");
            return calibrated;
        }
        var replay = request.TimingsPath is { } path && File.Exists(path) ? TimingsFile.Read(path) : null;
        var execution = request.Execution;
        var budget = request.Speed ?? LatencyBudget.Default;
        PlacementTiming Time(PlacementCandidate candidate, Func<OnnxModel> int8, Func<OnnxModel> floatKept)
        {
            var latency = PairedLatency.Measure(int8(), floatKept(), [.. shape], execution, budget);
            return new PlacementTiming(candidate.Name, candidate.Layers, latency.ReferenceMs, latency.CandidateMs, latency.Pairs);
        }

        var kept = new List<string>();
        var timings = new List<PlacementTiming>();
        var placed = calibrated;
        foreach (var candidate in PlacementCandidates.Of(calibrated.Plan))
        {
            // A fully float model is no placement: the final check says when int8 does not pay at all.
            if (candidate.Layers.Count >= placed.Plan.Layers.Count) continue;
            var current = placed;
            var timing = replay?.Of(candidate)
                ?? Time(candidate, current.DeployModel, () => calibrated.KeepingFloatForSpeed([.. kept, .. candidate.Layers]).DeployModel());
            timings.Add(timing);
            if (!timing.KeepFloat) continue;
            kept.AddRange(candidate.Layers);
            placed = calibrated.KeepingFloatForSpeed(kept);
        }
        string[] quantized = [.. placed.Plan.Layers.Select(l => l.Name)];
        var whole = new PlacementCandidate(PlacementTiming.WholeModel, quantized);
        var wholeTiming = replay?.WholeOf(quantized) ?? Time(whole, placed.DeployModel, () => calibrated.Prepared.Loaded.Model);
        var result = new PlacementResult(shape, execution.Device.ToString().ToLowerInvariant(), execution.IntraOpThreads, timings, wholeTiming,
            request.TimingsPath, replay is not null);
        if (!result.DeployPays)
            warn?.Invoke($"--optimize-for speed: int8 does not pay for this model on this runtime and shape — the deploy model is still slower " +
                         $"than float ({wholeTiming.Times}) with {(kept.Count == 0 ? "no layer" : string.Join(", ", kept))} kept float. " +
                         "Deploy the float model where speed matters; the int8 model is smaller.");
        return placed.WithPlacement(result);
    }

    /// <summary>Writes the run's measured timings to its --timings file when they were measured, not replayed.</summary>
    public static void SaveTimings(CalibratedModel calibrated)
    {
        if (calibrated.Placement is { Replayed: false, TimingsPath: { } path } result)
            AtomicFile.WriteAllText(path, TimingsFile.ToJson(result));
    }
}
