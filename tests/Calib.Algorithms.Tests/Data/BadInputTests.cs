using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

/// <summary>SPEC §11 for calibration data: each problem is one clear CalibException naming the file and the fix.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static readonly InputLayout Mnist = new(1, 28, 28);

    [TestMethod]
    public void Too_few_images_says_how_many_are_needed_and_found_before_reading_any()
    {
        var dir = RepoPaths.NewTempDirectory();
        for (var i = 0; i < 5; i++) TestFiles.Gray28(Path.Combine(dir, $"{i}.png"));
        File.WriteAllBytes(Path.Combine(dir, "5.png"), [1, 2, 3]);

        var error = Assert.ThrowsExactly<CalibException>(() => new BatchReader(CalibrationSet.Open(dir), Mnist, new Preprocessing(), 4, 2));

        StringAssert.Contains(error.Message, "--batch-num 2 × --batch-size 4 = 8");
        StringAssert.Contains(error.Message, "only 6");
        StringAssert.Contains(error.Message, dir);
    }

    [TestMethod]
    public void An_undecodable_image_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        var bad = Path.Combine(dir, "b.png");
        File.WriteAllText(bad, "this is not a PNG");

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadAll(dir, Mnist, new Preprocessing(), 2, 1));

        StringAssert.Contains(error.Message, $"'{bad}' is not a readable PNG/JPEG/BMP image");
    }

    [TestMethod]
    public void A_truncated_image_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        var path = TestFiles.Color(Path.Combine(dir, "a.png"), 64, 64, (y, x) => ((byte)(x * y), (byte)x, (byte)y));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadAll(dir, new InputLayout(3, 64, 64), new Preprocessing(), 1, 1));

        StringAssert.Contains(error.Message, $"'{path}' is not a readable PNG/JPEG/BMP image");
    }

    [TestMethod]
    public void Skipping_undecodable_images_warns_and_uses_the_next_file()
    {
        var dir = RepoPaths.NewTempDirectory();
        foreach (var name in new[] { "a.png", "c.png", "e.png" }) TestFiles.Gray28(Path.Combine(dir, name));
        foreach (var name in new[] { "b.png", "d.jpg" }) File.WriteAllText(Path.Combine(dir, name), "garbage");
        var warnings = new List<string>();

        var batches = TestFiles.ReadAll(dir, Mnist, new Preprocessing(), 1, 3, new BatchReaderOptions { SkipUndecodable = true, Warn = warnings.Add });

        CollectionAssert.AreEqual(new[] { "a.png", "c.png", "e.png" }, batches.Select(b => Path.GetFileName(b.Files.Single())).ToArray());
        Assert.HasCount(2, warnings);
        StringAssert.Contains(warnings[0], Path.Combine(dir, "b.png"));
        StringAssert.Contains(warnings[1], Path.Combine(dir, "d.jpg"));
    }

    [TestMethod]
    public void Skipping_leaves_too_few_images_is_the_too_few_error()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        File.WriteAllText(Path.Combine(dir, "b.png"), "garbage");
        TestFiles.Gray28(Path.Combine(dir, "c.png"));

        var error = Assert.ThrowsExactly<CalibException>(
            () => TestFiles.ReadAll(dir, Mnist, new Preprocessing(), 3, 1, new BatchReaderOptions { SkipUndecodable = true }));

        StringAssert.Contains(error.Message, "= 3 samples");
        StringAssert.Contains(error.Message, "only 2 of the 3 files");
    }

    [TestMethod]
    public void An_image_of_the_wrong_size_suggests_resize()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        var big = TestFiles.Gray(Path.Combine(dir, "b.png"), 32, 30, (_, _) => 1);

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadAll(dir, Mnist, new Preprocessing(), 2, 1));

        StringAssert.Contains(error.Message, $"'{big}' is 32x30");
        StringAssert.Contains(error.Message, "1x28x28");
        StringAssert.Contains(error.Message, "--resize 28x28");
    }

    [TestMethod]
    public void With_a_symbolic_input_size_the_images_must_share_one_size()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        TestFiles.Gray28(Path.Combine(dir, "b.png"));
        var other = TestFiles.Gray(Path.Combine(dir, "c.png"), 20, 28, (_, _) => 1);
        var symbolic = new InputLayout(1, null, null);

        var fine = TestFiles.ReadAll(dir, symbolic, new Preprocessing(), 2, 1).Single();
        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadAll(dir, symbolic, new Preprocessing(), 1, 3));

        CollectionAssert.AreEqual(new long[] { 2, 1, 28, 28 }, fine.Shape);
        StringAssert.Contains(error.Message, $"'{other}' is 20x28");
        StringAssert.Contains(error.Message, Path.Combine(dir, "a.png"));
        StringAssert.Contains(error.Message, "--resize");
    }

    [TestMethod]
    public void An_image_smaller_than_the_crop_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        var small = TestFiles.Gray(Path.Combine(dir, "a.png"), 20, 20, (_, _) => 1);

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadAll(dir, new InputLayout(1, 24, 24), new Preprocessing { Crop = (24, 24) }, 1, 1));

        StringAssert.Contains(error.Message, $"'{small}' is 20x20");
        StringAssert.Contains(error.Message, "--crop 24x24");
    }

    [TestMethod]
    public void Preprocessing_that_cannot_fit_the_model_fails_before_reading()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        var set = CalibrationSet.Open(dir);

        var wrongSize = Assert.ThrowsExactly<CalibException>(() => new BatchReader(set, Mnist, new Preprocessing { Resize = (32, 32) }, 1, 1));
        var cropTooBig = Assert.ThrowsExactly<CalibException>(() => new BatchReader(set, Mnist, new Preprocessing { Resize = (24, 24), Crop = (28, 28) }, 1, 1));
        var meanCount = Assert.ThrowsExactly<CalibException>(() => new BatchReader(set, Mnist, new Preprocessing { Mean = [1f, 2f, 3f] }, 1, 1));
        var zeroStd = Assert.ThrowsExactly<CalibException>(() => new BatchReader(set, Mnist, new Preprocessing { Std = [0f] }, 1, 1));
        var channels = Assert.ThrowsExactly<CalibException>(() => new BatchReader(set, new InputLayout(2, 28, 28), new Preprocessing(), 1, 1));

        StringAssert.Contains(wrongSize.Message, "32x32");
        StringAssert.Contains(wrongSize.Message, "1x28x28");
        StringAssert.Contains(cropTooBig.Message, "--crop 28x28 is larger than --resize 24x24");
        StringAssert.Contains(meanCount.Message, "--mean 1,2,3 has 3 values");
        StringAssert.Contains(zeroStd.Message, "--std 0");
        StringAssert.Contains(channels.Message, "2x28x28");
    }

    [TestMethod]
    [DataRow(0, 1, "--batch-size 0")]
    [DataRow(1, 0, "--batch-num 0")]
    public void A_batch_size_or_count_below_1_names_the_flag(int batchSize, int batchCount, string expected)
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));

        var error = Assert.ThrowsExactly<CalibException>(() => new BatchReader(CalibrationSet.Open(dir), Mnist, new Preprocessing(), batchSize, batchCount));

        StringAssert.Contains(error.Message, expected);
    }
}
