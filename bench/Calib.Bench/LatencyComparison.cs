using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;

namespace Calib.Bench;

/// <summary>Float against deploy latency at one batch size.</summary>
/// <param name="Batch">Samples per inference.</param>
/// <param name="Runs">Timed runs of each model.</param>
/// <param name="FloatMs">Median latency of the float model.</param>
/// <param name="DeployMs">Median latency of the int8 deploy model.</param>
/// <param name="SpeedUp">Float latency / deploy latency.</param>
internal sealed record LatencyResult(int Batch, int Runs, double FloatMs, double DeployMs, double SpeedUp);

/// <summary>
/// Times a float model and its deploy model against each other in ONNX Runtime. The timed runs
/// come in blocks that alternate between the models, so that changes in the machine's load hit
/// both alike; each block has a session of its own, and only one session exists at a time,
/// because the worker threads of an idle session spin on the same cores as the busy one.
/// </summary>
internal sealed class LatencyComparison(string floatModel, string deployModel, ExecutionOptions execution)
{
    private const int Blocks = 4;

    private readonly OnnxModel _float = OnnxModelFile.Load(floatModel);
    private readonly OnnxModel _deploy = OnnxModelFile.Load(deployModel);

    /// <summary>Times both models on <paramref name="input"/>: <paramref name="runs"/> timed runs each, spread over the blocks.</summary>
    public LatencyResult Measure(ModelFeed input, int warmup, int runs)
    {
        var floatMs = new List<double>(runs);
        var deployMs = new List<double>(runs);
        for (var block = 0; block < Blocks; block++)
        {
            var count = runs / Blocks + (block < runs % Blocks ? 1 : 0);
            floatMs.AddRange(TimeBlock(_float, input, warmup, count));
            deployMs.AddRange(TimeBlock(_deploy, input, warmup, count));
        }
        var (medianFloat, medianDeploy) = (Timing.Median(floatMs), Timing.Median(deployMs));
        return new LatencyResult((int)input.Samples, runs, medianFloat, medianDeploy, medianFloat / medianDeploy);
    }

    private IEnumerable<double> TimeBlock(OnnxModel model, ModelFeed input, int warmup, int count)
    {
        if (count == 0) return [];
        using var runner = ModelRunner.Create(model, execution);
        for (var i = 0; i < warmup; i++) Run(runner, input);
        return Enumerable.Range(0, count).Select(_ => Timing.Seconds(() => Run(runner, input)) * 1000).ToList();
    }

    private static void Run(ModelRunner runner, ModelFeed input) => runner.Run(input.Inputs).Dispose();
}
