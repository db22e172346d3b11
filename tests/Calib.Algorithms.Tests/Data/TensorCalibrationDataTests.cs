using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Workflows;
using Calib.Graph;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

/// <summary>
/// Tensor calibration data for any inputs: .npz keyed by input name, one folder per input (.npy or
/// AMCT's raw .bin with --input-shape/--data-types), the batching rule, and the errors for bad data.
/// </summary>
[TestClass]
public sealed class TensorCalibrationDataTests
{
    private const int Samples = 8;

    [TestMethod]
    public void Npz_per_input_npy_folders_and_bin_folders_give_the_same_ranges()
    {
        var model = TensorDataFiles.ThreeInputModel();
        var npz = NpzSet();
        var npy = RepoPaths.NewTempDirectory();
        var bin = RepoPaths.NewTempDirectory();
        foreach (var name in new[] { "x", "ids", "rate" })
        {
            Directory.CreateDirectory(Path.Combine(npy, name));
            Directory.CreateDirectory(Path.Combine(bin, name));
        }
        for (var i = 0; i < Samples; i++)
        {
            var (x, ids, rate) = TensorDataFiles.Sample(i);
            NumpyFiles.Npy(Path.Combine(npy, "x", $"{i:D2}.npy"), NpyEntry.Floats([4], x));
            NumpyFiles.Npy(Path.Combine(npy, "ids", $"{i:D2}.npy"), NpyEntry.Int64s([1, 4], ids));
            NumpyFiles.Npy(Path.Combine(npy, "rate", $"{i:D2}.npy"), NpyEntry.Int64s([], rate));
            File.WriteAllBytes(Path.Combine(bin, "x", $"{i:D2}.bin"), NpyEntry.Floats([1, 4], x).Data);
            File.WriteAllBytes(Path.Combine(bin, "ids", $"{i:D2}.bin"), NpyEntry.Int64s([1, 4], ids).Data);
            File.WriteAllBytes(Path.Combine(bin, "rate", $"{i:D2}.bin"), NpyEntry.Int64s([], rate).Data);
        }

        var fromNpz = Calibrate(model, npz);
        var fromNpy = Calibrate(model, $"{Path.Combine(npy, "x")};{Path.Combine(npy, "ids")};{Path.Combine(npy, "rate")}");
        var fromBin = Calibrate(model, $"{Path.Combine(bin, "x")};{Path.Combine(bin, "ids")};{Path.Combine(bin, "rate")}",
            new TensorDataOptions(TensorDataOptions.ParseShapes("x:1,4;ids:1,4;rate:"), TensorDataOptions.ParseTypes("float32;int64;int64")));

        // (x + ids)·2 over the 8 samples: the range only comes out right if all three inputs were fed.
        var expectedMax = Enumerable.Range(0, Samples).Max(i =>
        {
            var (x, ids, rate) = TensorDataFiles.Sample(i);
            return x.Zip(ids, (a, b) => (a + b) * rate).Max();
        });
        Assert.AreEqual(expectedMax, fromNpz.ObservedMax, 1e-6);
        Assert.AreEqual(Samples, fromNpz.Samples);
        foreach (var other in new[] { fromNpy, fromBin })
        {
            Assert.AreEqual(fromNpz.ObservedMin, other.ObservedMin);
            Assert.AreEqual(fromNpz.ObservedMax, other.ObservedMax);
            Assert.AreEqual(fromNpz.Scale, other.Scale);
            Assert.AreEqual(fromNpz.ZeroPoint, other.ZeroPoint);
        }
    }

    [TestMethod]
    public void A_batched_file_counts_as_that_many_samples_and_batches_split_across_files()
    {
        // Files of 1, 3 and 4 samples; batches of 3: [0 | 1 2], [3 | 4 5 6 7 …] — two batches take pieces of two files.
        var model = TensorDataFiles.ThreeInputModel();
        var dir = RepoPaths.NewTempDirectory();
        WriteNpz(Path.Combine(dir, "a.npz"), 0, 1, batched: false);
        WriteNpz(Path.Combine(dir, "b.npz"), 1, 3, batched: true);
        WriteNpz(Path.Combine(dir, "c.npz"), 4, 4, batched: true);
        var data = TensorCalibrationData.Open(dir, OnnxModelFile.Load(model), model)!;

        var batches = data.ReadBatches(3, 2).ToList();

        Assert.AreEqual(2, batches.Count);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, batches[0].Inputs["x"].Shape);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, batches[1].Inputs["ids"].Shape);
        CollectionAssert.AreEqual(Array.Empty<long>(), batches[1].Inputs["rate"].Shape, "a scalar input is fed once per batch");
        CollectionAssert.AreEqual(new[] { TensorDataFiles.Sample(3).X, TensorDataFiles.Sample(4).X, TensorDataFiles.Sample(5).X }.SelectMany(v => v).ToArray(),
            batches[1].Inputs["x"].Floats.ToArray());
        CollectionAssert.AreEqual(new[] { Path.Combine(dir, "b.npz"), Path.Combine(dir, "c.npz") }, batches[1].Files.ToList());
    }

    [TestMethod]
    public void Reading_is_streamed_one_file_at_a_time()
    {
        // A broken last file is only reached with the last batch: earlier batches come out first.
        var model = TensorDataFiles.ThreeInputModel();
        var dir = RepoPaths.NewTempDirectory();
        for (var i = 0; i < 3; i++) WriteNpz(Path.Combine(dir, $"{i}.npz"), i, 1, batched: false);
        File.WriteAllText(Path.Combine(dir, "3.npz"), "not a zip");
        var data = TensorCalibrationData.Open(dir, OnnxModelFile.Load(model), model)!;

        using var batches = data.ReadBatches(1, 4).GetEnumerator();
        for (var i = 0; i < 3; i++) Assert.IsTrue(batches.MoveNext());
        var e = Assert.ThrowsExactly<CalibException>(() => batches.MoveNext());
        StringAssert.Contains(e.Message, "3.npz");
    }

    [TestMethod]
    public void Bad_tensor_data_names_the_file_the_input_and_what_it_takes()
    {
        var model = TensorDataFiles.ThreeInputModel();
        var (x, ids, _) = TensorDataFiles.Sample(1);
        var cases = new (string Case, (string, NpyEntry)[] Arrays, string[] Expected)[]
        {
            ("wrong name", [("x", NpyEntry.Floats([4], x)), ("token_ids", NpyEntry.Int64s([4], ids)), ("rate", NpyEntry.Int64s([], 2))],
                ["'token_ids'", "no input of that name", "'ids' (int64 [batch,4])"]),
            ("missing input", [("x", NpyEntry.Floats([4], x)), ("rate", NpyEntry.Int64s([], 2))],
                ["no array for input 'ids'", "int64, one sample [4] or a batch [n,4]"]),
            ("wrong dtype", [("x", NpyEntry.Floats([4], x)), ("ids", new NpyEntry("<i4", [4], new byte[16])), ("rate", NpyEntry.Int64s([], 2))],
                ["input 'ids' is int32 [4]", "takes int64, one sample [4] or a batch [n,4]", "astype(numpy.int64)"]),
            ("wrong rank", [("x", NpyEntry.Floats([2, 1, 4], [.. x, .. x])), ("ids", NpyEntry.Int64s([4], ids)), ("rate", NpyEntry.Int64s([], 2))],
                ["input 'x' has shape [2,1,4] (rank 3)", "float32, one sample [4] or a batch [n,4]"]),
            ("wrong size", [("x", NpyEntry.Floats([5], [.. x, 0])), ("ids", NpyEntry.Int64s([4], ids)), ("rate", NpyEntry.Int64s([], 2))],
                ["input 'x' has shape [5]", "one sample [4]"]),
            ("NaN", [("x", NpyEntry.Floats([4], 1, float.NaN, 0, 0)), ("ids", NpyEntry.Int64s([4], ids)), ("rate", NpyEntry.Int64s([], 2))],
                ["input 'x' holds 1 NaN or infinite values"]),
        };
        foreach (var (name, arrays, expected) in cases)
        {
            var dir = RepoPaths.NewTempDirectory();
            var file = NumpyFiles.Npz(Path.Combine(dir, "bad.npz"), arrays);
            var output = RepoPaths.NewTempDirectory();

            var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(Request(model, dir, output, batchNum: 1, batchSize: 1)), name);

            StringAssert.Contains(e.Message, file, name);
            foreach (var text in expected) StringAssert.Contains(e.Message, text, name);
            Assert.AreEqual(0, Directory.GetFiles(output).Length, $"{name}: nothing written");
        }
    }

    [TestMethod]
    public void Samples_that_cannot_share_a_batch_are_refused_unless_batch_size_is_1()
    {
        var model = TensorDataFiles.ThreeInputModel();
        var dir = RepoPaths.NewTempDirectory();
        NumpyFiles.Npz(Path.Combine(dir, "0.npz"), ("x", NpyEntry.Floats([4], 1, 2, 3, 4)), ("ids", NpyEntry.Int64s([4], 1, 1, 1, 1)), ("rate", NpyEntry.Int64s([], 2)));
        NumpyFiles.Npz(Path.Combine(dir, "1.npz"), ("x", NpyEntry.Floats([4], 1, 2, 3, 4)), ("ids", NpyEntry.Int64s([4], 1, 1, 1, 1)), ("rate", NpyEntry.Int64s([], 3)));

        var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(Request(model, dir, RepoPaths.NewTempDirectory(), batchNum: 1, batchSize: 2)));
        StringAssert.Contains(e.Message, "'rate'");
        StringAssert.Contains(e.Message, "--batch-size 1");

        var outcome = CalibrationRun.Execute(Request(model, dir, RepoPaths.NewTempDirectory(), batchNum: 2, batchSize: 1));
        Assert.AreEqual(2, outcome.Samples);
    }

    [TestMethod]
    public void Symbolic_dimensions_take_each_samples_shape_and_different_shapes_need_batch_size_1()
    {
        var graph = new Graph.Ir.ModelGraph("seq");
        graph.Inputs.Add(Graph.Ir.ValueInfos.Tensor("tokens", Graph.Onnx.Proto.TensorProto.Types.DataType.Float, "batch", "seq", 2));
        graph.AddInitializer("w", Graph.Ir.TensorData.FromFloats([2, 2], [1, 0, 0, 1]));
        graph.AddNode("MatMul", "matmul", ["tokens", "w"], ["y"]);
        graph.Outputs.Add(Graph.Ir.ValueInfos.Tensor("y", Graph.Onnx.Proto.TensorProto.Types.DataType.Float, "batch", "seq", 2));
        var model = Path.Combine(RepoPaths.NewTempDirectory(), "seq.onnx");
        OnnxModelFile.Save(new Graph.Ir.OnnxModel(graph, 13), model);
        var dir = RepoPaths.NewTempDirectory();
        NumpyFiles.Npy(Path.Combine(dir, "a.npy"), NpyEntry.Floats([3, 2], 1, 2, 3, 4, 5, 6));
        NumpyFiles.Npy(Path.Combine(dir, "b.npy"), NpyEntry.Floats([5, 2], 0, 1, 2, 3, 4, 5, 6, 7, 8, -9));

        var e = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(Request(model, dir, RepoPaths.NewTempDirectory(), batchNum: 1, batchSize: 2)));
        StringAssert.Contains(e.Message, "samples of different shapes cannot be batched; use --batch-size 1");

        var outcome = CalibrationRun.Execute(Request(model, dir, RepoPaths.NewTempDirectory(), batchNum: 2, batchSize: 1));
        Assert.AreEqual(-9, outcome.Result.Layers.Single().Input.ObservedMin, "both sequence lengths were fed");
    }

    private static (double ObservedMin, double ObservedMax, float Scale, int ZeroPoint, long Samples) Calibrate(string model, string data, TensorDataOptions? options = null)
    {
        var request = Request(model, data, RepoPaths.NewTempDirectory(), batchNum: 4, batchSize: 2) with { TensorData = options };
        var outcome = CalibrationRun.Execute(request);
        var input = outcome.Result.Layers.Single().Input;
        return (input.ObservedMin, input.ObservedMax, input.Params.Scale, input.Params.ZeroPoint, outcome.Samples);
    }

    private static CalibrationRequest Request(string model, string data, string output, int batchNum, int batchSize) => new()
    {
        ModelPath = model,
        CalibrationSet = data,
        BatchSize = batchSize,
        Overrides = new SettingOverrides { BatchNum = batchNum },
        OutputDirectory = output,
    };

    // The 8 samples as .npz files of 1, 3 and 4 samples.
    private static string NpzSet()
    {
        var dir = RepoPaths.NewTempDirectory();
        WriteNpz(Path.Combine(dir, "a.npz"), 0, 1, batched: false);
        WriteNpz(Path.Combine(dir, "b.npz"), 1, 3, batched: true);
        WriteNpz(Path.Combine(dir, "c.npz"), 4, 4, batched: true);
        return dir;
    }

    private static void WriteNpz(string path, int first, int count, bool batched)
    {
        var samples = Enumerable.Range(first, count).Select(TensorDataFiles.Sample).ToList();
        int[] Shape(int size) => batched ? [count, size] : [size];
        NumpyFiles.Npz(path,
            ("x", NpyEntry.Floats(Shape(4), samples.SelectMany(s => s.X).ToArray())),
            ("ids", NpyEntry.Int64s(Shape(4), samples.SelectMany(s => s.Ids).ToArray())),
            ("rate", NpyEntry.Int64s([], samples[0].Rate)));
    }
}
