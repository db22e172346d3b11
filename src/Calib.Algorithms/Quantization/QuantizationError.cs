using System.Runtime.Intrinsics;
using Calib.Algorithms.Statistics;

namespace Calib.Algorithms.Quantization;

/// <summary>
/// The error measure of the ifmr and mse searches: the mean squared difference between the
/// calibration values and their fake-quantized values, evaluated on the histogram with each fine
/// bin's count placed at the centre of its part inside [min, max].
/// </summary>
/// <remarks>
/// Evaluated in double precision with the candidate's float32 scale (multiplying by 1/scale, which
/// can differ from ONNX Runtime's float32 division only at exact rounding ties). The loop runs on
/// fixed 4-lane vectors whose lanes are summed in a fixed order, so the sums, and the choices made
/// from them, are identical on every machine.
/// </remarks>
internal sealed class QuantizationError
{
    private static readonly int Lanes = Vector256<double>.Count;
    private readonly double[] _centers;
    private readonly double[] _counts;
    private readonly double _total;

    public QuantizationError(FineBins bins)
    {
        // Padding to whole vectors with zero counts adds exact zeros, so no scalar tail is needed.
        int padded = (bins.Length + Lanes - 1) / Lanes * Lanes;
        _centers = new double[padded];
        _counts = new double[padded];
        bins.Centers().CopyTo(_centers, 0);
        bins.Counts.CopyTo(_counts, 0);
        foreach (double count in bins.Counts)
        {
            _total += count;
        }
    }

    /// <summary>The mean squared error of fake-quantizing the values with <paramref name="quantizer"/>.</summary>
    public double MeanSquared(QuantParams quantizer)
    {
        var inverseScale = Vector256.Create(1.0 / quantizer.Scale);
        var scale = Vector256.Create((double)quantizer.Scale);
        var zeroPoint = Vector256.Create((double)quantizer.ZeroPoint);
        var lowest = Vector256.Create((double)quantizer.QMin);
        var highest = Vector256.Create((double)quantizer.QMax);
        var sum = Vector256<double>.Zero;
        for (int i = 0; i < _centers.Length; i += Lanes)
        {
            var x = Vector256.Create(_centers.AsSpan(i, Lanes));
            var level = Vector256.MinNative(Vector256.MaxNative(Vector256.Round(x * inverseScale) + zeroPoint, lowest), highest);
            var error = x - (level - zeroPoint) * scale;
            sum += Vector256.Create(_counts.AsSpan(i, Lanes)) * error * error;
        }

        return (sum[0] + sum[1] + sum[2] + sum[3]) / _total;
    }
}
