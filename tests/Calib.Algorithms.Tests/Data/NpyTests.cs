using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class NpyTests
{
    private static readonly InputLayout Layout = new(2, 1, 3);
    private static readonly float[] Values = [0.5f, -1.25f, 3e-8f, 1e6f, -0f, 7f];

    [TestMethod]
    [DataRow(1, new[] { 2, 1, 3 })]
    [DataRow(2, new[] { 1, 2, 1, 3 })]
    [DataRow(3, new[] { 2, 1, 3 })]
    public void Float32_tensors_are_used_as_they_are(int version, int[] shape)
    {
        var dir = RepoPaths.NewTempDirectory();
        NumpyFiles.Npy(Path.Combine(dir, "a.npy"), NpyEntry.Floats(shape, Values), version: version);

        var batch = TestFiles.ReadAll(dir, Layout, Preprocessing.Preset("imagenet") with { Resize = null, Crop = null, Mean = [1f], Std = [2f] }, 1, 1).Single();

        CollectionAssert.AreEqual(Values, batch.Data);
        CollectionAssert.AreEqual(new long[] { 1, 2, 1, 3 }, batch.Shape);
    }

    [TestMethod]
    public void Uint8_tensors_get_the_value_preprocessing()
    {
        var dir = RepoPaths.NewTempDirectory();
        NumpyFiles.Npy(Path.Combine(dir, "a.npy"), new NpyEntry("|u1", [2, 1, 3], [0, 51, 255, 10, 20, 30]));

        var data = TestFiles.ReadOne(dir, Layout, new Preprocessing { MeanValues = [0f, 10f], Scale = 0.5f });

        CollectionAssert.AreEqual(new[] { 0f, 25.5f, 127.5f, 0f, 5f, 10f }, data);
    }

    [TestMethod]
    public void Npy_tensors_and_images_mix_in_file_order()
    {
        var dir = RepoPaths.NewTempDirectory();
        NumpyFiles.Npy(Path.Combine(dir, "a.npy"), NpyEntry.Floats([1, 28, 28], Enumerable.Repeat(0.25f, 784).ToArray()));
        TestFiles.Gray28(Path.Combine(dir, "b.png"), 255);

        var batch = TestFiles.ReadAll(dir, new InputLayout(1, 28, 28), new Preprocessing { Scale = 2f }, 2, 1).Single();

        Assert.AreEqual(0.25f, batch.Data[0]);
        Assert.AreEqual(510f, batch.Data[784]);
    }

    [TestMethod]
    [DataRow("<f4", true, "Fortran order")]
    [DataRow("<f8", false, "dtype '<f8'")]
    [DataRow(">f4", false, "dtype '>f4'")]
    public void Unsupported_layouts_and_dtypes_are_named(string descr, bool fortran, string expected)
    {
        var dir = RepoPaths.NewTempDirectory();
        var path = NumpyFiles.Npy(Path.Combine(dir, "a.npy"), new NpyEntry(descr, [2, 1, 3], new byte[48]), fortran);

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadOne(dir, Layout, new Preprocessing()));

        StringAssert.Contains(error.Message, $"'{path}'");
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void A_tensor_of_the_wrong_shape_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        var path = NumpyFiles.Npy(Path.Combine(dir, "a.npy"), NpyEntry.Floats([3, 1, 2], new float[6]));

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadOne(dir, Layout, new Preprocessing()));

        StringAssert.Contains(error.Message, $"'{path}' has shape [3,1,2]");
        StringAssert.Contains(error.Message, "C = 2");
    }

    [TestMethod]
    public void A_tensor_of_the_wrong_size_is_named()
    {
        var dir = RepoPaths.NewTempDirectory();
        var path = NumpyFiles.Npy(Path.Combine(dir, "a.npy"), NpyEntry.Floats([2, 3, 1], new float[6]));

        var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadOne(dir, Layout, new Preprocessing()));

        StringAssert.Contains(error.Message, $"'{path}' is 3x1");
        StringAssert.Contains(error.Message, "without resize");
    }

    [TestMethod]
    public void Truncated_files_non_npy_files_and_non_finite_values_are_named()
    {
        foreach (var (bytes, expected) in new (byte[], string)[]
        {
            (File.ReadAllBytes(NpyWith([2, 1, 3], Values))[..100], "truncated"),
            ("not numpy at all"u8.ToArray(), "not a .npy file"),
            (File.ReadAllBytes(NpyWith([2, 1, 3], [1f, float.NaN, 0, 0, 0, 0])), "NaN"),
        })
        {
            var dir = RepoPaths.NewTempDirectory();
            var path = Path.Combine(dir, "a.npy");
            File.WriteAllBytes(path, bytes);

            var error = Assert.ThrowsExactly<CalibException>(() => TestFiles.ReadOne(dir, Layout, new Preprocessing()));

            StringAssert.Contains(error.Message, $"'{path}'");
            StringAssert.Contains(error.Message, expected);
        }
    }

    private static string NpyWith(int[] shape, float[] values) =>
        NumpyFiles.Npy(Path.Combine(RepoPaths.NewTempDirectory(), "x.npy"), NpyEntry.Floats(shape, values));
}
