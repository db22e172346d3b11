using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class BatchReaderTests
{
    private static readonly string Fmnist = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly InputLayout Mnist = new(1, 28, 28);
    private static readonly Preprocessing FmnistPreprocessing = new() { Scale = 1f / 255f, Mean = [0.2860f], Std = [0.3530f] };
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [TestMethod]
    public void Reads_the_fmnist_calibration_set_as_normalized_batches()
    {
        var batches = TestFiles.ReadAll(Fmnist, Mnist, FmnistPreprocessing, 8, 32);

        Assert.HasCount(32, batches);
        var files = CalibrationSet.Open(Fmnist).Files;
        for (var i = 0; i < batches.Count; i++)
        {
            Assert.AreEqual(i, batches[i].Index);
            CollectionAssert.AreEqual(new long[] { 8, 1, 28, 28 }, batches[i].Shape);
            Assert.HasCount(8 * 28 * 28, batches[i].Data);
            CollectionAssert.AreEqual(files.Skip(8 * i).Take(8).ToArray(), batches[i].Files.ToArray());
        }
        // train_00308.png, the first file, has 100 at row 14, column 13 (read with Python's zlib).
        Assert.AreEqual("train_00308.png", Path.GetFileName(batches[0].Files[0]));
        Assert.AreEqual((100 * (1f / 255f) - 0.2860f) / 0.3530f, batches[0].Data[14 * 28 + 13]);
        Assert.AreEqual((0 - 0.2860f) / 0.3530f, batches[0].Data[0]);
    }

    [TestMethod]
    public void Two_reads_give_bit_identical_batches_whatever_the_threads()
    {
        var preprocessing = FmnistPreprocessing with { Resize = (20, 24), Crop = (16, 20) };
        var layout = new InputLayout(3, 16, 20);

        var one = TestFiles.ReadAll(Fmnist, layout, preprocessing, 16, 16, new BatchReaderOptions { DecodeThreads = 1, Prefetch = 1 });
        var many = TestFiles.ReadAll(Fmnist, layout, preprocessing, 16, 16, new BatchReaderOptions { DecodeThreads = 8, Prefetch = 4 });

        Assert.HasCount(16, many);
        for (var i = 0; i < one.Count; i++)
        {
            CollectionAssert.AreEqual(one[i].Files.ToArray(), many[i].Files.ToArray());
            Assert.IsTrue(one[i].Data.AsSpan().SequenceEqual(many[i].Data), $"batch {i} differs");
        }
    }

    [TestMethod]
    public void Each_enumeration_starts_again_from_the_first_file()
    {
        using var reader = new BatchReader(CalibrationSet.Open(Fmnist), Mnist, FmnistPreprocessing, 4, 2);

        var first = reader.ReadBatches().ToList();
        var second = reader.ReadBatches().ToList();

        Assert.IsTrue(first[1].Data.AsSpan().SequenceEqual(second[1].Data));
        CollectionAssert.AreEqual(first[1].Files.ToArray(), second[1].Files.ToArray());
    }

    [TestMethod]
    public void Stopping_early_does_not_hang()
    {
        using var reader = new BatchReader(CalibrationSet.Open(Fmnist), Mnist, FmnistPreprocessing, 1, 256, new BatchReaderOptions { Prefetch = 1 });

        var taken = Task.Run(() => reader.ReadBatches().Take(2).ToList());

        Assert.IsTrue(taken.Wait(Patience), "reading 2 of 256 batches did not return");
        Assert.HasCount(2, taken.Result);
    }

    [TestMethod]
    public void Disposing_the_reader_stops_a_read_in_progress()
    {
        var reader = new BatchReader(CalibrationSet.Open(Fmnist), Mnist, FmnistPreprocessing, 1, 256, new BatchReaderOptions { Prefetch = 1 });
        var batches = reader.ReadBatches().GetEnumerator();
        Assert.IsTrue(batches.MoveNext());

        reader.Dispose();

        Assert.Throws<OperationCanceledException>(() => batches.MoveNext());
        Assert.IsTrue(Task.Run(batches.Dispose).Wait(Patience), "the decoding task did not stop");
        Assert.ThrowsExactly<ObjectDisposedException>(() => reader.ReadBatches());
    }

    [TestMethod]
    public void An_error_arrives_after_the_batches_before_it_as_the_original_CalibException()
    {
        var dir = RepoPaths.NewTempDirectory();
        for (var i = 0; i < 6; i++) TestFiles.Gray28(Path.Combine(dir, $"{i}.png"));
        var bad = Path.Combine(dir, "4.png");
        File.WriteAllText(bad, "garbage");
        using var reader = new BatchReader(CalibrationSet.Open(dir), Mnist, new Preprocessing(), 2, 3);
        var received = new List<Batch>();

        var error = Assert.ThrowsExactly<CalibException>(() => received.AddRange(reader.ReadBatches()));

        Assert.HasCount(2, received);
        StringAssert.Contains(error.Message, bad);
    }
}
