using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class CalibrationSetTests
{
    [TestMethod]
    public void Finds_images_recursively_in_ordinal_relative_path_order()
    {
        var dir = RepoPaths.NewTempDirectory();
        foreach (var name in new[] { "b.png", "a/z.JPG", "a.bmp", "B/c.jpeg", "a/b/y.PnG", "t.npy" })
            File.WriteAllBytes(Path.Combine(dir, CreateParent(dir, name)), []);
        foreach (var ignored in new[] { "notes.txt", "a/.hidden.png", ".cache/x.png", "image.gif" })
            File.WriteAllBytes(Path.Combine(dir, CreateParent(dir, ignored)), []);

        var set = CalibrationSet.Open(dir);

        CollectionAssert.AreEqual(
            new[] { "B/c.jpeg", "a.bmp", "a/b/y.PnG", "a/z.JPG", "b.png", "t.npy" },
            set.Files.Select(f => Path.GetRelativePath(dir, f)).ToArray());
        Assert.AreEqual(dir, set.Directory);
    }

    [TestMethod]
    public void Leaves_out_npy_files_when_they_are_not_allowed()
    {
        var dir = RepoPaths.NewTempDirectory();
        File.WriteAllBytes(Path.Combine(dir, "a.npy"), []);
        File.WriteAllBytes(Path.Combine(dir, "b.png"), []);

        var set = CalibrationSet.Open(dir, allowNpy: false);

        CollectionAssert.AreEqual(new[] { Path.Combine(dir, "b.png") }, set.Files.ToArray());
    }

    [TestMethod]
    public void A_missing_folder_is_an_error_naming_it()
    {
        var dir = Path.Combine(RepoPaths.NewTempDirectory(), "nowhere");

        var error = Assert.ThrowsExactly<CalibException>(() => CalibrationSet.Open(dir));

        StringAssert.Contains(error.Message, dir);
        StringAssert.Contains(error.Message, "does not exist");
    }

    [TestMethod]
    public void A_folder_without_images_is_an_error_naming_it()
    {
        var dir = RepoPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "no images here");

        var error = Assert.ThrowsExactly<CalibException>(() => CalibrationSet.Open(dir));

        StringAssert.Contains(error.Message, dir);
        StringAssert.Contains(error.Message, "no PNG, JPEG or BMP images");
    }

    private static string CreateParent(string dir, string relative)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, relative))!);
        return relative;
    }
}
