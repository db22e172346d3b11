namespace Calib.Algorithms.Quantization;

/// <summary>
/// A tensor seen as [Outer, Channels, Inner] around its channel axis: element k belongs to channel
/// <c>(k / Inner) % Channels</c>.
/// </summary>
internal readonly record struct ChannelLayout(long Outer, int Channels, long Inner)
{
    /// <summary>The channel of element <paramref name="element"/>.</summary>
    public int ChannelOf(long element) => (int)(element / Inner % Channels);

    /// <exception cref="ArgumentException">The dimensions do not describe <paramref name="length"/> elements, or the axis is not one of them.</exception>
    public static ChannelLayout Of(IReadOnlyList<long> dims, int axis, int length)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (axis < 0 || axis >= dims.Count)
        {
            throw new ArgumentException($"Channel axis {axis} is not an axis of a tensor of rank {dims.Count}.", nameof(axis));
        }

        long outer = 1, inner = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 0)
            {
                throw new ArgumentException($"Dimension {i} is negative ({dims[i]}).", nameof(dims));
            }

            if (i < axis)
            {
                outer *= dims[i];
            }
            else if (i > axis)
            {
                inner *= dims[i];
            }
        }

        if (outer * dims[axis] * inner != length)
        {
            throw new ArgumentException($"Dimensions [{string.Join(", ", dims)}] describe {outer * dims[axis] * inner} elements, but there are {length}.", nameof(dims));
        }

        return new ChannelLayout(outer, (int)dims[axis], inner);
    }
}
