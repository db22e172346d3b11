using Calib.Algorithms.Data;
using Calib.Tests.Shared;
using SkiaSharp;

namespace Calib.Algorithms.Tests.Data;

/// <summary>Writes calibration files for the tests: images encoded by Skia (BMP by hand: Skia has no BMP encoder) and .npy files.</summary>
internal static class TestFiles
{
    /// <summary>A grayscale image whose pixel (y, x) is <paramref name="pixel"/>(y, x).</summary>
    public static string Gray(string path, int height, int width, Func<int, int, byte> pixel, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var span = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                span[y * bitmap.RowBytes + x] = pixel(y, x);
        return Encode(path, bitmap, format);
    }

    /// <summary>A colour image whose pixel (y, x) is <paramref name="pixel"/>(y, x) as (R, G, B).</summary>
    public static string Color(string path, int height, int width, Func<int, int, (byte R, byte G, byte B)> pixel, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        if (format == SKEncodedImageFormat.Bmp) return Bmp(path, height, width, pixel);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var span = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(y, x);
                var at = y * bitmap.RowBytes + 4 * x;
                (span[at], span[at + 1], span[at + 2], span[at + 3]) = (r, g, b, 255);
            }
        return Encode(path, bitmap, format);
    }

    /// <summary>A constant grayscale 28x28 PNG.</summary>
    public static string Gray28(string path, byte value = 128) => Gray(path, 28, 28, (_, _) => value);

    /// <summary>Every batch of a read, as a list.</summary>
    public static List<Batch> ReadAll(string directory, InputLayout layout, Preprocessing preprocessing, int batchSize, int batchCount, BatchReaderOptions? options = null)
    {
        using var reader = new BatchReader(CalibrationSet.Open(directory), layout, preprocessing, batchSize, batchCount, options);
        return reader.ReadBatches().ToList();
    }

    /// <summary>The single sample of a one-file folder, read as one batch of one.</summary>
    public static float[] ReadOne(string directory, InputLayout layout, Preprocessing preprocessing) =>
        ReadAll(directory, layout, preprocessing, 1, 1)[0].Data;

    private static string Encode(string path, SKBitmap bitmap, SKEncodedImageFormat format)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var data = bitmap.Encode(format, 100) ?? throw new InvalidOperationException($"Skia cannot encode {format}.");
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    // Skia has no BMP encoder: the shared hand-written one.
    private static string Bmp(string path, int height, int width, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return BmpFile.Write(path, height, width, pixel);
    }
}
