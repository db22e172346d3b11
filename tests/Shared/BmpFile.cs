namespace Calib.Tests.Shared;

/// <summary>BMP images written by hand, for tests that need images without an image library (Skia has no BMP encoder).</summary>
public static class BmpFile
{
    /// <summary>A 24-bit uncompressed BMP whose pixel (y, x) is <paramref name="pixel"/>(y, x) as (R, G, B): rows bottom-up, BGR, each padded to 4 bytes.</summary>
    public static string Write(string path, int height, int width, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var stride = (3 * width + 3) / 4 * 4;
        var data = new byte[54 + stride * height];
        "BM"u8.CopyTo(data);
        BitConverter.GetBytes(data.Length).CopyTo(data, 2);
        BitConverter.GetBytes(54).CopyTo(data, 10);
        BitConverter.GetBytes(40).CopyTo(data, 14);
        BitConverter.GetBytes(width).CopyTo(data, 18);
        BitConverter.GetBytes(height).CopyTo(data, 22);
        BitConverter.GetBytes((short)1).CopyTo(data, 26);
        BitConverter.GetBytes((short)24).CopyTo(data, 28);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(y, x);
                var at = 54 + (height - 1 - y) * stride + 3 * x;
                (data[at], data[at + 1], data[at + 2]) = (b, g, r);
            }
        File.WriteAllBytes(path, data);
        return path;
    }
}
