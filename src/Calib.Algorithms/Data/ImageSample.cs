using System.Buffers;

namespace Calib.Algorithms.Data;

/// <summary>
/// A decoded (and resized) image in a pooled byte buffer, 1 (gray) or 4 (RGBA) bytes per pixel,
/// with the window that the center crop keeps. The crop is never copied: writing reads the window.
/// </summary>
internal sealed class ImageSample : LoadedSample
{
    private readonly byte[] _pixels;
    private readonly int _bytesPerPixel;
    private readonly int _stride;
    private readonly int _top;
    private readonly int _left;

    /// <summary>Takes ownership of <paramref name="pixels"/>, rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public ImageSample(string file, byte[] pixels, int bytesPerPixel, int imageWidth, int top, int left, int height, int width)
        : base(file, height, width)
    {
        _pixels = pixels;
        _bytesPerPixel = bytesPerPixel;
        _stride = imageWidth * bytesPerPixel;
        _top = top;
        _left = left;
    }

    public override void WriteTo(Span<float> destination, PixelTransform transform)
    {
        var plane = Height * Width;
        for (var c = 0; c < transform.Channels; c++)
        {
            var table = transform.Table(c);
            var source = SourceChannel(c, transform.Order);
            for (var y = 0; y < Height; y++)
            {
                var row = _pixels.AsSpan((_top + y) * _stride + _left * _bytesPerPixel, Width * _bytesPerPixel);
                var output = destination.Slice(c * plane + y * Width, Width);
                if (_bytesPerPixel == 1) WriteGray(row, table, output);
                else if (transform.Channels == 1) WriteLuma(row, table, output);
                else WriteColor(row, source, table, output);
            }
        }
    }

    public override void Dispose() => ArrayPool<byte>.Shared.Return(_pixels);

    /// <summary>
    /// ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, in 16-bit fixed point and rounded to a
    /// byte exactly as PIL's convert("L") does, so a grayscale model sees what torchvision's
    /// Grayscale() gave it in training. The weights sum to 65536, so gray pixels stay unchanged.
    /// </summary>
    internal static byte Luma(byte r, byte g, byte b) => (byte)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);

    private static int SourceChannel(int channel, ChannelOrder order) => order == ChannelOrder.Bgr ? 2 - channel : channel;

    private static void WriteGray(ReadOnlySpan<byte> row, ReadOnlySpan<float> table, Span<float> output)
    {
        for (var x = 0; x < output.Length; x++) output[x] = table[row[x]];
    }

    private static void WriteLuma(ReadOnlySpan<byte> row, ReadOnlySpan<float> table, Span<float> output)
    {
        for (var x = 0; x < output.Length; x++)
            output[x] = table[Luma(row[4 * x], row[4 * x + 1], row[4 * x + 2])];
    }

    private static void WriteColor(ReadOnlySpan<byte> row, int source, ReadOnlySpan<float> table, Span<float> output)
    {
        for (var x = 0; x < output.Length; x++) output[x] = table[row[4 * x + source]];
    }
}
