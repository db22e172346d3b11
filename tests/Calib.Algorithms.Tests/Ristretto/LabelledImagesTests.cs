using System.Buffers.Binary;
using System.IO.Compression;
using Calib.Algorithms.Data;
using Calib.Algorithms.Ristretto;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Ristretto;

/// <summary>The three forms of a labelled evaluation set, and their errors.</summary>
[TestClass]
public sealed class LabelledImagesTests
{
    private static readonly InputLayout Mnist = new(1, 2, 2);
    private static readonly string FmnistEval = RepoPaths.InRepo("calibration-data", "fmnist-eval");

    [TestMethod]
    public void Gzipped_idx_files_give_scaled_pixels_and_labels()
    {
        var directory = RepoPaths.NewTempDirectory();
        WriteIdx(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"), 0x803, [3, 2, 2], [0, 128, 255, 64, 1, 2, 3, 4, 9, 9, 9, 9]);
        WriteIdx(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"), 0x801, [3], [7, 2, 1]);
        var set = LabelledImages.Open(directory, limit: 2, Mnist, new Preprocessing { Scale = 0.00390625f });
        Assert.AreEqual(2, set.Count);
        CollectionAssert.AreEqual(new[] { 7, 2 }, set.Labels);
        CollectionAssert.AreEqual(new long[] { 1, 2, 2 }, set.SampleShape);
        CollectionAssert.AreEqual(new[] { 0f, 0.5f, 255 / 256f, 0.25f, 1 / 256f, 2 / 256f, 3 / 256f, 4 / 256f }, set.Data);
    }

    [TestMethod]
    public void Idx_images_of_another_size_than_the_model_input_are_refused()
    {
        var directory = RepoPaths.NewTempDirectory();
        WriteIdx(Path.Combine(directory, "t10k-images-idx3-ubyte"), 0x803, [1, 2, 2], [0, 0, 0, 0]);
        WriteIdx(Path.Combine(directory, "t10k-labels-idx1-ubyte"), 0x801, [1], [0]);
        var error = Assert.ThrowsExactly<CalibException>(() => LabelledImages.Open(directory, 1, new InputLayout(1, 28, 28), new Preprocessing()));
        StringAssert.Contains(error.Message, "is 2x2 (HxW)");
    }

    [TestMethod]
    public void Idx_images_without_labels_are_refused()
    {
        var directory = RepoPaths.NewTempDirectory();
        WriteIdx(Path.Combine(directory, "t10k-images-idx3-ubyte"), 0x803, [1, 2, 2], [0, 0, 0, 0]);
        var error = Assert.ThrowsExactly<CalibException>(() => LabelledImages.Open(directory, 1, Mnist, new Preprocessing()));
        StringAssert.Contains(error.Message, "t10k-labels-idx1-ubyte");
    }

    [TestMethod]
    public void Class_sub_folders_are_labelled_in_ordinal_order()
    {
        var set = LabelledImages.Open(FmnistEval, 500, new InputLayout(1, 28, 28), new Preprocessing());
        Assert.AreEqual(500, set.Count);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).ToArray(), set.Labels.Distinct().ToArray());
        Assert.AreEqual(0, set.Labels[0]);
        Assert.AreEqual(9, set.Labels[^1]);
        Assert.AreEqual(255f, set.Data.Max());
    }

    [TestMethod]
    public void A_labels_csv_names_files_and_labels_in_its_own_order()
    {
        var directory = RepoPaths.NewTempDirectory();
        var trouser = Directory.GetFiles(Path.Combine(FmnistEval, "1_trouser")).Order(StringComparer.Ordinal).First();
        var bag = Directory.GetFiles(Path.Combine(FmnistEval, "8_bag")).Order(StringComparer.Ordinal).First();
        File.Copy(trouser, Path.Combine(directory, "a.png"));
        File.Copy(bag, Path.Combine(directory, "b.png"));
        File.WriteAllText(Path.Combine(directory, "labels.csv"), "file,label\nb.png,8\na.png,1\n");
        var set = LabelledImages.Open(directory, 10, new InputLayout(1, 28, 28), new Preprocessing());
        CollectionAssert.AreEqual(new[] { 8, 1 }, set.Labels);
        var reference = LabelledImages.Open(FmnistEval, 500, new InputLayout(1, 28, 28), new Preprocessing());
        var bagIndex = Array.IndexOf(reference.Labels, 8);
        CollectionAssert.AreEqual(reference.Data.AsSpan(bagIndex * 784, 784).ToArray(), set.Data.AsSpan(0, 784).ToArray());
    }

    [TestMethod]
    public void A_bad_labels_csv_row_is_named_with_its_line()
    {
        var directory = RepoPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(directory, "labels.csv"), "file,label\na.png,1\nb.png,cat\n");
        var error = Assert.ThrowsExactly<CalibException>(() => LabelledImages.Open(directory, 10, new InputLayout(1, 28, 28), new Preprocessing()));
        StringAssert.Contains(error.Message, "labels.csv' line 3");
    }

    [TestMethod]
    public void A_missing_folder_is_refused() =>
        StringAssert.Contains(
            Assert.ThrowsExactly<CalibException>(() => LabelledImages.Open("no-such-set", 1, Mnist, new Preprocessing())).Message,
            "'no-such-set' does not exist");

    private static void WriteIdx(string path, int magic, int[] dims, byte[] items)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        var header = new byte[4 * (1 + dims.Length)];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * (i + 1)), dims[i]);
        stream.Write(header);
        stream.Write(items);
    }
}
