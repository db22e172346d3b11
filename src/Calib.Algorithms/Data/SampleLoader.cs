using System.Buffers;
using System.Runtime.InteropServices;
using Calib.Graph;
using SkiaSharp;
using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>
/// Loads one sample: decodes an image file with Skia (or takes an in-memory grayscale image) and
/// applies the geometric half of the preprocessing (resize, then center crop), or reads a .npy
/// tensor and checks it against the model input. Thread-safe: batches load their samples in parallel.
/// </summary>
internal sealed class SampleLoader(InputLayout layout, Preprocessing preprocessing)
{
    // Bilinear between the 4 nearest pixels, without mipmaps: OpenCV's INTER_LINEAR, torchvision's
    // antialias=False. PIL's bilinear also averages a wider area when shrinking, so images shrunk
    // by more than 2x differ slightly from what a PIL-based training pipeline saw.
    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);

    /// <summary>Loads <paramref name="item"/>.</summary>
    /// <exception cref="UnreadableFileException">The image does not decode.</exception>
    /// <exception cref="CalibException">The sample cannot be used as it is (too small to crop, wrong tensor shape, …).</exception>
    public LoadedSample Load(SampleItem item) => item switch
    {
        SampleFile { Path: var file } when CalibrationSet.IsNpy(file) => LoadTensor(file),
        SampleFile { Path: var file } => Shape(file, Decode(file)),
        GrayImage image => Shape(image.Name, Copy(image)),
        _ => throw new ArgumentException($"Unknown sample kind {item.GetType().Name}.", nameof(item)),
    };

    private TensorSample LoadTensor(string file)
    {
        SampleFiles.OpenRegular(file, ".npy tensor").Dispose();
        var array = NpyFile.Read(file);
        var shape = array.Shape;
        var chw = shape.Length == 4 && shape[0] == 1 ? shape[1..] : shape;
        if (chw.Length != 3 || chw[0] != layout.Channels)
            throw new CalibException(
                $"'{file}' has shape {array.ShapeText}: a calibration tensor must be [C,H,W] or [1,C,H,W] with " +
                $"C = {layout.Channels}, for the model input {layout}.");
        return new TensorSample(file, array, chw[1], chw[2]);
    }

    // Resizes and crops a decoded image; the pixels are rented from the pool and owned by the result.
    private ImageSample Shape(string file, (byte[] Pixels, SKImageInfo Info) decoded)
    {
        var (pixels, info) = decoded;
        try
        {
            if (preprocessing.Resize is { } size) (pixels, info) = Resize(pixels, info, size);
            var (height, width) = preprocessing.Crop ?? (info.Height, info.Width);
            if (height > info.Height || width > info.Width)
                throw new CalibException(
                    $"'{file}' is {info.Height}x{info.Width} (HxW), smaller than --crop {height}x{width}: " +
                    "pass --resize to resize the images before cropping.");
            // Odd margins leave the extra row or column at the bottom or right.
            var top = (info.Height - height) / 2;
            var left = (info.Width - width) / 2;
            return new ImageSample(file, pixels, info.BytesPerPixel, info.Width, top, left, height, width);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(pixels);
            throw;
        }
    }

    private static (byte[] Pixels, SKImageInfo Info) Copy(GrayImage image)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        image.Pixels.Span.CopyTo(pixels);
        return (pixels, info);
    }

    /// <summary>
    /// Decodes to 8-bit gray when the file is grayscale, else to RGBA (alpha ignored, unpremultiplied).
    /// No colour space is requested, so Skia applies no colour management and the pixel values are
    /// the ones stored in the file, as PIL and OpenCV read them.
    /// </summary>
    private static (byte[] Pixels, SKImageInfo Info) Decode(string file)
    {
        using var data = ReadImage(file);
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var opened)
            ?? throw Unreadable(file, opened == SKCodecResult.Success ? "unknown format" : Reason(opened));
        SampleFiles.CheckPixelCount(file, codec.Info.Width, codec.Info.Height);
        var gray = codec.Info.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(
            codec.Info.Width,
            codec.Info.Height,
            gray ? SKColorType.Gray8 : SKColorType.Rgba8888,
            gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var pixels = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        var result = codec.GetPixels(info, pixels);
        if (result == SKCodecResult.Success) return (pixels, info);
        ArrayPool<byte>.Shared.Return(pixels);
        throw Unreadable(file, Reason(result));
    }

    private static SKData ReadImage(string file)
    {
        using var stream = SampleFiles.OpenRegular(file, "PNG/JPEG/BMP image");
        try { return SKData.Create(stream); }
        catch (IOException e) { throw Unreadable(file, e.Message.TrimEnd('.')); }
    }

    private static (byte[] Pixels, SKImageInfo Info) Resize(byte[] pixels, SKImageInfo info, (int Height, int Width) size)
    {
        var resizedInfo = info.WithSize(size.Width, size.Height);
        var resized = ArrayPool<byte>.Shared.Rent(resizedInfo.BytesSize);
        var source = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        var target = GCHandle.Alloc(resized, GCHandleType.Pinned);
        try
        {
            using var sourceMap = new SKPixmap(info, source.AddrOfPinnedObject());
            using var targetMap = new SKPixmap(resizedInfo, target.AddrOfPinnedObject());
            if (!sourceMap.ScalePixels(targetMap, Bilinear))
                throw new InvalidOperationException($"Skia could not resize a {info.ColorType} image.");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(resized);
            throw;
        }
        finally
        {
            source.Free();
            target.Free();
        }
        ArrayPool<byte>.Shared.Return(pixels);
        return (resized, resizedInfo);
    }

    private static string Reason(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        _ => $"decoder: {result}",
    };

    private static UnreadableFileException Unreadable(string file, string reason) => new(file, reason);
}
