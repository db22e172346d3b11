using System.Buffers.Binary;
using System.IO.Compression;
using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class LabelledSetTests
{
    private static readonly InputLayout Mnist = new(1, 28, 28);

    [TestMethod]
    public void Class_folders_named_with_an_index_give_that_index()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "2_pullover", "a.png"));
        TestFiles.Gray28(Path.Combine(dir, "10_extra", "b.png"));
        TestFiles.Gray28(Path.Combine(dir, "10_extra", "deeper", "c.png"));

        var set = LabelledSet.Open(dir);

        Assert.AreEqual(LabelSource.ClassFolders, set.Source);
        CollectionAssert.AreEqual(new[] { "10_extra/b.png", "10_extra/deeper/c.png", "2_pullover/a.png" }, RelativeNames(set, dir));
        CollectionAssert.AreEqual(new[] { 10, 10, 2 }, set.Labels.ToArray());
    }

    [TestMethod]
    public void Class_folders_without_an_index_are_numbered_in_sorted_order()
    {
        var dir = RepoPaths.NewTempDirectory();
        foreach (var name in new[] { "dog", "cat", "bird" }) TestFiles.Gray28(Path.Combine(dir, name, "x.png"));

        var set = LabelledSet.Open(dir);

        CollectionAssert.AreEqual(new[] { "bird/x.png", "cat/x.png", "dog/x.png" }, RelativeNames(set, dir));
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, set.Labels.ToArray());
        set.CheckClasses(3, "m.onnx");
        var error = Assert.ThrowsExactly<CalibException>(() => set.CheckClasses(10, "m.onnx"));
        StringAssert.Contains(error.Message, "3 class folders but model 'm.onnx' has 10 classes");
    }

    [TestMethod]
    public void Two_folders_with_one_index_are_an_error()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "3_dress", "a.png"));
        TestFiles.Gray28(Path.Combine(dir, "3-gown", "b.png"));

        var error = Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir));
        StringAssert.Contains(error.Message, "'3-gown' and '3_dress' both start with class index 3");
    }

    [TestMethod]
    public void A_folder_without_classes_says_how_to_lay_out_the_set()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));

        var error = Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir));
        StringAssert.Contains(error.Message, "no class sub-folders, no labels.csv and no MNIST idx files");
        StringAssert.Contains(Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open("/no/such/set")).Message, "'/no/such/set' does not exist");
    }

    [TestMethod]
    public void Labels_csv_keeps_its_order_and_wins_over_folder_names()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "0_a", "x.png"));
        TestFiles.Gray28(Path.Combine(dir, "0_a", "y.png"));
        File.WriteAllText(Path.Combine(dir, "labels.csv"), "file,label\n0_a/y.png,7\n0_a/x.png, 3\n");

        var set = LabelledSet.Open(dir);

        Assert.AreEqual(LabelSource.LabelsCsv, set.Source);
        CollectionAssert.AreEqual(new[] { "0_a/y.png", "0_a/x.png" }, RelativeNames(set, dir));
        CollectionAssert.AreEqual(new[] { 7, 3 }, set.Labels.ToArray());
    }

    [TestMethod]
    [DataRow("file,label\na.png,1\nmissing.png,2\ngone.png,0\n", "line 3 names 'missing.png', which is not in")]
    [DataRow("file,label\na.png,one\n", "line 2: label 'one' is not a class index")]
    [DataRow("file,label\na.png,-1\n", "line 2: label '-1' is not a class index")]
    [DataRow("file,label\na.png,1\na.png,2\n", "line 3: 'a.png' is listed a second time (first on line 2)")]
    [DataRow("path,class\na.png,1\n", "has no 'file' column")]
    [DataRow("file,label\n", "lists no files")]
    public void A_bad_labels_csv_names_the_line(string text, string expected)
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        File.WriteAllText(Path.Combine(dir, "labels.csv"), text);

        var error = Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir));
        StringAssert.Contains(error.Message, expected);
        StringAssert.Contains(error.Message, "labels.csv");
    }

    [TestMethod]
    public void A_label_outside_the_models_classes_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        TestFiles.Gray28(Path.Combine(dir, "a.png"));
        TestFiles.Gray28(Path.Combine(dir, "b.png"));
        File.WriteAllText(Path.Combine(dir, "labels.csv"), "file,label\na.png,9\nb.png,12\n");
        var set = LabelledSet.Open(dir);

        set.CheckClasses(13, "m.onnx");
        var error = Assert.ThrowsExactly<CalibException>(() => set.CheckClasses(10, "m.onnx"));
        StringAssert.Contains(error.Message, "1 sample(s) have a label outside the 10 classes of model 'm.onnx'");
        StringAssert.Contains(error.Message, "b.png' with label 12");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Idx_files_are_read_as_images_with_their_labels(bool gzip)
    {
        var dir = RepoPaths.NewTempDirectory();
        var pixels = Enumerable.Range(0, 3 * 28 * 28).Select(i => (byte)(i * 7 % 256)).ToArray();
        WriteIdx(Path.Combine(dir, "t10k-images-idx3-ubyte"), [3, 28, 28], pixels, gzip);
        WriteIdx(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [3], [4, 0, 9], gzip);

        var set = LabelledSet.Open(dir);

        Assert.AreEqual(LabelSource.Idx, set.Source);
        CollectionAssert.AreEqual(new[] { 4, 0, 9 }, set.Labels.ToArray());
        Assert.AreEqual($"t10k-images-idx3-ubyte{(gzip ? ".gz" : "")}[2]", set.Samples.Items[2].Name);
        using var reader = BatchReader.Covering(set.Samples, Mnist, new Preprocessing(), 2);
        var batches = reader.ReadBatches().ToList();
        CollectionAssert.AreEqual(new long[] { 2, 1, 28, 28 }, batches[0].Shape);
        CollectionAssert.AreEqual(new long[] { 1, 1, 28, 28 }, batches[1].Shape, "the last batch holds the rest");
        CollectionAssert.AreEqual(pixels.Select(p => (float)p).ToArray(), batches[0].Data.Concat(batches[1].Data).ToArray());
    }

    [TestMethod]
    public void The_t10k_pair_is_chosen_beside_a_training_pair()
    {
        var dir = RepoPaths.NewTempDirectory();
        WriteIdx(Path.Combine(dir, "train-images-idx3-ubyte"), [2, 2, 2], new byte[8], gzip: false);
        WriteIdx(Path.Combine(dir, "train-labels-idx1-ubyte"), [2], [1, 1], gzip: false);
        WriteIdx(Path.Combine(dir, "t10k-images.idx3-ubyte"), [1, 2, 2], new byte[4], gzip: false);
        WriteIdx(Path.Combine(dir, "t10k-labels.idx1-ubyte"), [1], [5], gzip: false);

        var set = LabelledSet.Open(dir);

        CollectionAssert.AreEqual(new[] { 5 }, set.Labels.ToArray());
    }

    [TestMethod]
    public void Inconsistent_idx_files_are_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        WriteIdx(Path.Combine(dir, "x-images-idx3-ubyte"), [2, 2, 2], new byte[8], gzip: false);
        StringAssert.Contains(Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir)).Message, "no labels file 'x-labels-idx1-ubyte[.gz]'");

        WriteIdx(Path.Combine(dir, "x-labels-idx1-ubyte"), [3], [1, 2, 3], gzip: false);
        StringAssert.Contains(Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir)).Message, "holds 3 labels but");

        var truncated = File.ReadAllBytes(Path.Combine(dir, "x-images-idx3-ubyte"))[..^3];
        File.WriteAllBytes(Path.Combine(dir, "x-images-idx3-ubyte"), truncated);
        StringAssert.Contains(Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir)).Message, "holds 5 data bytes but its idx header declares [2x2x2] = 8");

        File.WriteAllBytes(Path.Combine(dir, "x-images-idx3-ubyte"), [0x1F, 0x8B, 1, 2, 3]);
        StringAssert.Contains(Assert.ThrowsExactly<CalibException>(() => LabelledSet.Open(dir)).Message, "is not a valid gzip file");
    }

    [TestMethod]
    public void A_spread_subset_covers_a_set_sorted_by_class()
    {
        var dir = RepoPaths.NewTempDirectory();
        for (var c = 0; c < 4; c++)
            for (var i = 0; i < 5; i++)
                TestFiles.Gray28(Path.Combine(dir, $"{c}_class", $"{i}.png"));
        var set = LabelledSet.Open(dir);

        var subset = set.Spread(4);

        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3 }, subset.Labels.ToArray());
        CollectionAssert.AreEqual(new[] { "0_class/0.png", "1_class/0.png", "2_class/0.png", "3_class/0.png" }, RelativeNames(subset, dir));
        Assert.AreSame(set, set.Spread(20));
    }

    [TestMethod]
    [TestCategory(Categories.RealModel)]
    public void The_mnist_test_set_reads_as_10000_labelled_digits()
    {
        var set = LabelledSet.Open(RepoPaths.SharedData("mnist"));

        Assert.AreEqual(10_000, set.Count);
        CollectionAssert.AreEqual(new[] { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 }, set.Labels.Take(10).ToArray());
        // The class counts of the official MNIST test set.
        CollectionAssert.AreEqual(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 },
            Enumerable.Range(0, 10).Select(c => set.Labels.Count(l => l == c)).ToArray());
        using var reader = BatchReader.Covering(set.Spread(100).Samples, Mnist, new Preprocessing(), 100);
        var data = reader.ReadBatches().Single().Data;
        Assert.AreEqual(0f, data[0], "the top-left pixel of a digit is background");
        Assert.AreEqual(255f, data.Max());
    }

    private static string[] RelativeNames(LabelledSet set, string dir) =>
        set.Samples.Items.Select(i => Path.GetRelativePath(dir, i.Name).Replace('\\', '/')).ToArray();

    private static void WriteIdx(string path, int[] dimensions, byte[] data, bool gzip)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Length;
        for (var i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = File.Create(path + ".gz");
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(bytes);
    }
}
