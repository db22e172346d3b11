using Calib.Algorithms.Data;
using Calib.Tests.Shared;
using SkiaSharp;

namespace Calib.Algorithms.Tests.Data;

/// <summary>Exact values of synthetic images through each preprocessing step.</summary>
[TestClass]
public sealed class PixelValueTests
{
    private static readonly byte[] GrayRow = [0, 1, 100, 128, 254, 255];

    [TestMethod]
    public void Raw_pixels_without_preprocessing()
    {
        var dir = OneGrayRow();

        CollectionAssert.AreEqual(GrayRow.Select(p => (float)p).ToArray(), TestFiles.ReadOne(dir, new InputLayout(1, 1, 6), new Preprocessing()));
    }

    [TestMethod]
    public void Scale_multiplies_raw_pixels()
    {
        var dir = OneGrayRow();

        var data = TestFiles.ReadOne(dir, new InputLayout(1, 1, 6), new Preprocessing { Scale = 1f / 255f });

        CollectionAssert.AreEqual(GrayRow.Select(p => p * (1f / 255f)).ToArray(), data);
        Assert.AreEqual(1f, data[5]);
    }

    [TestMethod]
    public void Mean_and_std_apply_per_channel_after_scaling()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Color(Path.Combine(dir, "a.png"), 1, 2, (_, x) => x == 0 ? ((byte)10, (byte)20, (byte)30) : ((byte)200, (byte)100, (byte)50));
        var preprocessing = new Preprocessing { Mean = [0.5f, 0.4f, 0.3f], Std = [0.2f, 0.25f, 0.5f] };

        var data = TestFiles.ReadOne(dir, new InputLayout(3, 1, 2), preprocessing);

        const float s = 1f / 255f;
        CollectionAssert.AreEqual(
            new[]
            {
                (10 * s - 0.5f) / 0.2f, (200 * s - 0.5f) / 0.2f,
                (20 * s - 0.4f) / 0.25f, (100 * s - 0.4f) / 0.25f,
                (30 * s - 0.3f) / 0.5f, (50 * s - 0.3f) / 0.5f,
            },
            data);
    }

    [TestMethod]
    public void Caffe_swaps_to_bgr_and_subtracts_mean_values_from_raw_pixels()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Color(Path.Combine(dir, "a.png"), 1, 2, (_, x) => x == 0 ? ((byte)10, (byte)20, (byte)30) : ((byte)200, (byte)100, (byte)50));

        var data = TestFiles.ReadOne(dir, new InputLayout(3, 1, 2), Preprocessing.Preset("caffe") with { Scale = 0.5f });

        // Channel 0 is blue (mean value 104), 1 green (117), 2 red (123); then × 0.5.
        CollectionAssert.AreEqual(new[] { -37f, -27f, -48.5f, -8.5f, -56.5f, 38.5f }, data);
    }

    [TestMethod]
    public void A_one_channel_model_gets_bt601_luma_of_colour_images()
    {
        var dir = RepoPaths.NewTempDirectory();
        (byte, byte, byte)[] colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 200, 30), (77, 77, 77)];
        TestFiles.Color(Path.Combine(dir, "a.png"), 1, colours.Length, (_, x) => colours[x]);

        var data = TestFiles.ReadOne(dir, new InputLayout(1, 1, colours.Length), new Preprocessing());

        // Y = 0.299 R + 0.587 G + 0.114 B rounded: 76.245, 149.685, 29.07, 123.81, 77.
        CollectionAssert.AreEqual(new[] { 76f, 150f, 29f, 124f, 77f }, data);
    }

    [TestMethod]
    public void A_three_channel_model_gets_grayscale_images_replicated()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray(Path.Combine(dir, "a.png"), 1, 2, (_, x) => x == 0 ? (byte)7 : (byte)250);

        var data = TestFiles.ReadOne(dir, new InputLayout(3, 1, 2), new Preprocessing { ChannelOrder = ChannelOrder.Bgr, MeanValues = [1f, 2f, 3f] });

        CollectionAssert.AreEqual(new[] { 6f, 249f, 5f, 248f, 4f, 247f }, data);
    }

    [TestMethod]
    public void Center_crop_keeps_the_middle()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray(Path.Combine(dir, "a.png"), 4, 6, (y, x) => (byte)(10 * y + x));

        var even = TestFiles.ReadOne(dir, new InputLayout(1, 2, 2), new Preprocessing { Crop = (2, 2) });
        var odd = TestFiles.ReadOne(dir, new InputLayout(1, 3, 3), new Preprocessing { Crop = (3, 3) });

        CollectionAssert.AreEqual(new[] { 12f, 13f, 22f, 23f }, even);
        // Odd margins put the extra row and column at the bottom and right.
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 11f, 12f, 13f, 21f, 22f, 23f }, odd);
    }

    [TestMethod]
    [DataRow(7, 5)]
    [DataRow(30, 41)]
    public void Resizing_a_constant_image_keeps_it_constant(int height, int width)
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Color(Path.Combine(dir, "a.png"), 10, 13, (_, _) => (90, 140, 200));
        TestFiles.Gray(Path.Combine(dir, "b.png"), 10, 13, (_, _) => 33);

        var batch = TestFiles.ReadAll(dir, new InputLayout(3, height, width), new Preprocessing { Resize = (height, width) }, 2, 1).Single();

        CollectionAssert.AreEqual(new long[] { 2, 3, height, width }, batch.Shape);
        var plane = height * width;
        float[] expected = [90, 140, 200, 33, 33, 33];
        for (var i = 0; i < batch.Data.Length; i++)
            Assert.AreEqual(expected[i / plane], batch.Data[i], $"value {i}");
    }

    [TestMethod]
    public void Resize_interpolates_bilinearly_then_crop()
    {
        var dir = RepoPaths.NewTempDirectory();
        // Left half 0, right half 200: upsampled 2x, the two middle columns blend.
        TestFiles.Gray(Path.Combine(dir, "a.png"), 2, 2, (_, x) => x == 0 ? (byte)0 : (byte)200);

        var data = TestFiles.ReadOne(dir, new InputLayout(1, 2, 4), new Preprocessing { Resize = (4, 4), Crop = (2, 4) });

        // Pixel centres 0.5..3.5 of 4 map to source 0.25..1.75: weights 0, 0.25, 0.75, 1 (edges clamp).
        CollectionAssert.AreEqual(new[] { 0f, 50f, 150f, 200f, 0f, 50f, 150f, 200f }, data);
    }

    [TestMethod]
    public void Bmp_images_decode_exactly()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Color(Path.Combine(dir, "a.bmp"), 2, 3, (y, x) => ((byte)(y * 3 + x), (byte)(100 + y), (byte)(200 + x)), SKEncodedImageFormat.Bmp);

        var data = TestFiles.ReadOne(dir, new InputLayout(3, 2, 3), new Preprocessing());

        CollectionAssert.AreEqual(new[] { 0f, 1, 2, 3, 4, 5, 100, 100, 100, 101, 101, 101, 200, 201, 202, 200, 201, 202 }, data);
    }

    [TestMethod]
    public void Jpeg_images_decode_in_colour_and_in_gray()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Color(Path.Combine(dir, "a.jpg"), 16, 16, (_, _) => (200, 100, 50), SKEncodedImageFormat.Jpeg);
        TestFiles.Gray(Path.Combine(dir, "b.jpeg"), 16, 16, (_, _) => 60, SKEncodedImageFormat.Jpeg);

        var batch = TestFiles.ReadAll(dir, new InputLayout(3, 16, 16), new Preprocessing(), 2, 1).Single();

        var plane = 16 * 16;
        float[] expected = [200, 100, 50, 60, 60, 60];
        for (var i = 0; i < batch.Data.Length; i++)
            Assert.AreEqual(expected[i / plane], batch.Data[i], 2f, $"value {i} (JPEG is lossy)");
    }

    private static string OneGrayRow()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray(Path.Combine(dir, "row.png"), 1, GrayRow.Length, (_, x) => GrayRow[x]);
        return dir;
    }
}
