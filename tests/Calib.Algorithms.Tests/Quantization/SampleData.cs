using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Tests.Quantization;

/// <summary>Seeded test tensors and error measures computed on the raw values.</summary>
internal static class SampleData
{
    /// <summary>Laplace(0, 1) values: a heavy-tailed activation.</summary>
    public static float[] Laplace(int seed, int count)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double magnitude = -Math.Log(1 - random.NextDouble());
            values[i] = (float)(random.Next(2) == 0 ? magnitude : -magnitude);
        }

        return values;
    }

    /// <summary>Laplace values with a single huge outlier: one in two million.</summary>
    public static float[] LaplaceWithOutlier(int seed) => [.. Laplace(seed, 2_000_000), 60f];

    public static float[] Uniform(int seed, int count, double lo, double hi)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(lo + random.NextDouble() * (hi - lo))).ToArray();
    }

    public static StreamingHistogram HistogramOf(params float[][] batches)
    {
        var histogram = new StreamingHistogram();
        foreach (var batch in batches)
        {
            histogram.Add(batch);
        }

        return histogram;
    }

    /// <summary>The mean squared error of fake-quantizing every raw value (not the histogram).</summary>
    public static double RawMeanSquaredError(float[] values, ClipRange range, bool asymmetric = true)
    {
        var quantizer = ActivationQuantizer.FromRange(range, asymmetric);
        double sum = 0;
        foreach (float x in values)
        {
            double error = x - quantizer.FakeQuantize(x);
            sum += error * error;
        }

        return sum / values.Length;
    }
}
