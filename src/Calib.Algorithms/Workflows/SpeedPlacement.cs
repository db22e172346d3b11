using Calib.Algorithms.Placement;
using Calib.Graph.Execution;
using Calib.Graph.IO;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// <c>--optimize-for speed</c>: decides by measurement which layers stay float. Each candidate
/// (<see cref="PlacementCandidates"/>: kind groups, then single layers) is timed as a float island — the
/// deploy model so far against the same model with the candidate in float, paired and alternating
/// (<see cref="PairedLatency"/>) on the calibration batch shape — and kept float when int8 loses; the
/// choices accumulate in order, within <see cref="PlacementCandidates.SearchTime"/>. Last, the placed deploy
/// model is timed against the float model: unless it is faster by <see cref="PlacementTiming.NoiseMargin"/>, int8 does not pay for this model here,
/// and every layer is kept float, so the deploy model is not slower than float within the timing's noise. The layers kept float go
/// through <see cref="CalibratedModel.KeepingFloatForSpeed"/> (their outputs stay float in the deploy model
/// too), so fake-quant, deploy, config and CSV agree; the AMCT record keeps them (<see cref="CalibratedModel.RecordResult"/>).
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
        PlacementTiming Time(PlacementCandidate candidate, OnnxModel int8, OnnxModel floatKept)
        {
            // The whole model's check decides whether any of it stays int8: twice the pairs, time and fresh sessions.
            var spend = candidate.Name == PlacementTiming.WholeModel
                ? budget with { Time = budget.Time * 2, MaxPairs = budget.MaxPairs * 2, Blocks = budget.Blocks * 2 }
                : budget;
            var latency = PairedLatency.Measure(int8, floatKept, [.. shape], execution, spend);
            return new PlacementTiming(candidate.Name, candidate.Layers, latency.ReferenceMs, latency.CandidateMs, latency.Pairs);
        }

        var kept = new List<string>();
        var timings = new List<PlacementTiming>();
        var placed = calibrated;
        // Built once per choice, not once per candidate timed against it.
        OnnxModel? placedDeploy = null;
        var candidates = PlacementCandidates.Of(calibrated.Plan);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var untried = 0;
        // A layer a group already keeps float has nothing left to decide; a fully float model is the final check's call.
        bool Open(PlacementCandidate candidate) =>
            !candidate.Layers.All(kept.Contains) && kept.Count + candidate.Layers.Count < calibrated.Plan.Layers.Count;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (!Open(candidate)) continue;
            CalibratedModel? trial = null;
            OnnxModel? trialDeploy = null;
            PlacementTiming? timing = null;
            if (replay is not null) timing = replay.Of(candidate);
            else if (clock.Elapsed < PlacementCandidates.SearchTime)
            {
                trial = calibrated.KeepingFloatForSpeed([.. kept, .. candidate.Layers]);
                trialDeploy = trial.DeployModel();
                timing = Time(candidate, placedDeploy ??= placed.DeployModel(), trialDeploy);
            }
            if (timing is null)
            {
                untried = candidates.Skip(i).Count(Open);
                break;
            }
            timings.Add(timing);
            if (!timing.KeepFloat) continue;
            kept.AddRange(candidate.Layers);
            (placed, placedDeploy) = (trial ?? calibrated.KeepingFloatForSpeed(kept), trialDeploy);
        }
        string[] quantized = [.. placed.Plan.Layers.Select(l => l.Name)];
        var whole = new PlacementCandidate(PlacementTiming.WholeModel, quantized);
        var wholeTiming = replay?.WholeOf(quantized) ?? Time(whole, placedDeploy ?? placed.DeployModel(), calibrated.Prepared.Loaded.Model);
        var result = new PlacementResult(shape, execution.Device.ToString().ToLowerInvariant(), execution.IntraOpThreads, timings, wholeTiming,
            request.TimingsPath, replay is not null, untried);
        if (result.DeployPays) return placed.WithPlacement(result);
        warn?.Invoke($"--optimize-for speed: int8 does not pay for this model on this runtime and shape — the deploy model is not faster " +
                     $"than float ({wholeTiming.Times}) with {(kept.Count == 0 ? "no layer" : $"{kept.Count} layer{(kept.Count == 1 ? "" : "s")}")} kept float. " +
                     "Every layer is kept float: the deploy model runs in float, and the record keeps every layer's scale/offset for AMCT targets.");
        return calibrated.KeepingFloatForSpeed(result.FloatLayers).WithPlacement(result);
    }

    /// <summary>Writes the run's measured timings to its --timings file when they were measured, not replayed.</summary>
    public static void SaveTimings(CalibratedModel calibrated)
    {
        if (calibrated.Placement is { Replayed: false, TimingsPath: { } path } result)
            AtomicFile.WriteAllText(path, TimingsFile.ToJson(result));
    }
}
