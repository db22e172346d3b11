using System.Diagnostics;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// Runs a classifier over an evaluation set and counts top-1 and top-5 hits. The first output is
/// the class scores, one row per sample (any shape [N, K, …]: K·… scores per sample); the top-1 class
/// is the first highest score.
/// </summary>
public static class ClassifierScoring
{
    private const int TopK = 5;

    /// <summary>Scores <paramref name="model"/> on every sample of <paramref name="data"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="name">Its name for the report and messages.</param>
    /// <param name="data">The evaluation set.</param>
    /// <param name="execution">Device and threads.</param>
    /// <param name="onBatch">Progress: called with (batches done, batches in all).</param>
    /// <exception cref="CalibException">The output has fewer than 2 scores per sample, or the labels do not fit its classes.</exception>
    public static ModelScore Score(OnnxModel model, string name, EvaluationData data, ExecutionOptions execution, Action<int, int>? onBatch = null)
    {
        var clock = Stopwatch.StartNew();
        using var runner = ModelRunner.Create(model, execution);
        var output = runner.OutputNames[0];
        var predictions = new List<int>(data.Set.Count);
        var (top1, top5, done) = (0, 0, 0);
        var total = data.BatchCount();
        foreach (var batch in data.Read())
        {
            using var result = runner.Run(runner.InputNames[0], batch.Data, batch.Shape);
            var scores = result.Floats(output);
            var classes = scores.Length / (int)batch.Shape[0];
            if (done == 0) CheckClasses(data, classes, name, output);
            for (var i = 0; i < batch.Count; i++)
            {
                var row = scores.Slice(i * classes, classes);
                var label = batch.Labels[i];
                var best = Extremes.ArgMax(row);
                predictions.Add(best);
                if (best == label) top1++;
                if (Rank(row, label) < TopK) top5++;
            }
            onBatch?.Invoke(++done, total);
        }
        return new ModelScore(name, top1, top5, predictions, clock.Elapsed);
    }

    private static void CheckClasses(EvaluationData data, int classes, string name, string output)
    {
        if (classes < 2)
            throw new CalibException($"Model '{name}' gives {classes} value per sample in output '{output}': calib evaluates classifiers, whose first output holds one score per class.");
        data.Set.CheckClasses(classes, name);
    }

    // How many classes score above the label, ties going to the lower index as ArgMax does.
    private static int Rank(ReadOnlySpan<float> row, int label)
    {
        var rank = 0;
        for (var k = 0; k < row.Length; k++)
            if (row[k] > row[label] || row[k] == row[label] && k < label) rank++;
        return rank;
    }
}
