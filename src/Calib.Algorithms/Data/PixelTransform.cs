namespace Calib.Algorithms.Data;

/// <summary>
/// The value half of <see cref="Preprocessing"/>: for each model channel, the float that each raw
/// 0–255 pixel becomes. Pixels are bytes at every stage (decoding, resizing and luma all give
/// bytes), so a 256-entry table per channel evaluates the formula once per value instead of once
/// per pixel, and gives bit-identical results everywhere.
/// </summary>
internal sealed class PixelTransform
{
    private const int Levels = 256;

    private readonly float[] _table;

    public PixelTransform(Preprocessing preprocessing, int channels)
    {
        Channels = channels;
        Order = preprocessing.ChannelOrder;
        _table = new float[channels * Levels];
        var scale = preprocessing.EffectiveScale;
        for (var c = 0; c < channels; c++)
        {
            var meanValue = PerChannel(preprocessing.MeanValues, c, 0f);
            var mean = PerChannel(preprocessing.Mean, c, 0f);
            var std = PerChannel(preprocessing.Std, c, 1f);
            for (var p = 0; p < Levels; p++)
                _table[c * Levels + p] = ((p - meanValue) * scale - mean) / std;
        }
    }

    /// <summary>The model's channel count.</summary>
    public int Channels { get; }

    /// <summary>Which colour goes to which model channel when there are 3.</summary>
    public ChannelOrder Order { get; }

    /// <summary>The 256 values of model channel <paramref name="channel"/>, indexed by raw pixel.</summary>
    public ReadOnlySpan<float> Table(int channel) => _table.AsSpan(channel * Levels, Levels);

    private static float PerChannel(float[]? values, int channel, float absent) => values switch
    {
        null => absent,
        [var single] => single,
        _ => values[channel],
    };
}
