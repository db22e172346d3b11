using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Workflows;
using Calib.Graph;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Data;

/// <summary>
/// Images for the image input of a multi-input model with .npz partners for the rest, paired by file stem
/// (<see cref="MixedCalibrationData"/>): what is fed, the fidelity check on the samples not fed, and one clear
/// error for each way the pairing can fail.
/// </summary>
[TestClass]
public sealed class MixedCalibrationDataTests
{
    private static readonly Preprocessing Scaled = new() { Scale = 1f / 255 };

    [TestMethod]
    public void Images_feed_the_image_input_and_their_npz_partners_the_others()
    {
        var dir = RepoPaths.NewTempDirectory();
        var model = ImageVectorData.Model(dir);
        var (images, extras) = ImageVectorData.Write(dir, 12);

        var outcome = CalibrationRun.Execute(Request(model, $"{images};{extras}", RepoPaths.NewTempDirectory()));

        Assert.AreEqual(8, outcome.Samples);
        Assert.AreEqual("samples", outcome.SampleNoun);
        CollectionAssert.AreEquivalent(new[] { "conv", "vec", "head" }, outcome.Result.Layers.Select(l => l.Layer.Name).ToArray());
        // The vector MatMul reads the vector input itself: its range is that of the vectors fed.
        var vec = outcome.Result.Layers.Single(l => l.Layer.Name == "vec").Input;
        Assert.AreEqual(Enumerable.Range(0, 8).Max(i => ImageVectorData.Vector(i).Max()), vec.ObservedMax, 1e-6);
        Assert.AreEqual(Enumerable.Range(0, 8).Min(i => ImageVectorData.Vector(i).Min()), vec.ObservedMin, 1e-6);
        // Range choice and fidelity read the same pairs again: 8 fed samples, and the 4 not fed.
        Assert.AreEqual(8, outcome.RangeChoice!.Samples);
        var fidelity = outcome.Fidelity!;
        Assert.AreEqual(FidelitySource.HeldOut, fidelity.Source);
        CollectionAssert.AreEqual(Enumerable.Range(8, 4).Select(i => Path.Combine(images, $"{i:D4}.bmp")).ToArray(),
            fidelity.Measured.Select(r => r.File).ToArray());
        Assert.IsTrue(fidelity.WorstCosine >= 0.99, $"cosine {fidelity.WorstCosine}");
    }

    [TestMethod]
    public void Partners_beside_the_images_give_the_same_ranges_as_a_second_folder()
    {
        var dir = RepoPaths.NewTempDirectory();
        var model = ImageVectorData.Model(dir);
        var (images, extras) = ImageVectorData.Write(Path.Combine(dir, "two"), 8);
        var (together, _) = ImageVectorData.Write(Path.Combine(dir, "one"), 8, oneFolder: true);

        var apart = CalibrationRun.Execute(Request(model, $"{images};{extras}", RepoPaths.NewTempDirectory()));
        var beside = CalibrationRun.Execute(Request(model, together, RepoPaths.NewTempDirectory()));

        for (var i = 0; i < apart.Result.Layers.Count; i++)
            Assert.AreEqual(apart.Result.Layers[i].Input.Clip, beside.Result.Layers[i].Input.Clip, apart.Result.Layers[i].Layer.Name);
    }

    [TestMethod]
    public void Every_pairing_problem_is_one_error_naming_the_file_or_input_and_nothing_is_written()
    {
        var cases = new (string Name, Func<string, string, string, string> Arrange, string[] Expected)[]
        {
            ("image without partner", (dir, images, extras) =>
            {
                BmpFile.Write(Path.Combine(images, "0100.bmp"), 8, 8, (_, _) => (1, 2, 3));
                return $"{images};{extras}";
            }, ["holds 9 images but", "holds 8 .npz files", "0100.bmp' has no .npz partner", "0100.npz"]),
            ("partner without image", (dir, images, extras) =>
            {
                NumpyFiles.Npz(Path.Combine(extras, "0100.npz"), ("vector", NpyEntry.Floats([4], ImageVectorData.Vector(1))));
                return $"{images};{extras}";
            }, ["0100.npz' has no image partner"]),
            ("input covered twice", (dir, images, extras) =>
            {
                File.Delete(Path.Combine(extras, "0000.npz"));
                NumpyFiles.Npz(Path.Combine(extras, "0000.npz"), ("vector", NpyEntry.Floats([4], ImageVectorData.Vector(0))), ("image", NpyEntry.Floats([3, 8, 8], new float[192])));
                return $"{images};{extras}";
            }, ["0000.npz' holds an array 'image'", "fed by the images of"]),
            ("array of no input", (dir, images, extras) =>
            {
                File.Delete(Path.Combine(extras, "0000.npz"));
                NumpyFiles.Npz(Path.Combine(extras, "0000.npz"), ("other", NpyEntry.Floats([4], ImageVectorData.Vector(0))));
                return $"{images};{extras}";
            }, ["0000.npz' holds an array 'other'", "key the arrays by input name"]),
            ("input not covered", (dir, images, extras) =>
            {
                File.Delete(Path.Combine(extras, "0000.npz"));
                NumpyFiles.Npz(Path.Combine(extras, "0000.npz"));
                return $"{images};{extras}";
            }, ["0000.npz' has no array for input 'vector'"]),
            ("no partners at all", (dir, images, extras) => images,
                ["has 2 inputs", "feed its image input 'image'", "'vector' (float32 [batch,4])", ".npz files"]),
        };
        foreach (var (name, arrange, expected) in cases)
        {
            var dir = RepoPaths.NewTempDirectory();
            var model = ImageVectorData.Model(dir);
            var (images, extras) = ImageVectorData.Write(dir, 8);
            var set = arrange(dir, images, extras);
            var output = RepoPaths.NewTempDirectory();

            var error = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(Request(model, set, output)), name);

            foreach (var part in expected) StringAssert.Contains(error.Message, part, name);
            Assert.AreEqual(0, Directory.GetFileSystemEntries(output).Length, name);
        }
    }

    [TestMethod]
    public void A_partner_holding_several_samples_is_refused()
    {
        var dir = RepoPaths.NewTempDirectory();
        var model = ImageVectorData.Model(dir);
        var (images, extras) = ImageVectorData.Write(dir, 8);
        File.Delete(Path.Combine(extras, "0003.npz"));
        NumpyFiles.Npz(Path.Combine(extras, "0003.npz"), ("vector", NpyEntry.Floats([2, 4], [.. ImageVectorData.Vector(3), .. ImageVectorData.Vector(4)])));

        var error = Assert.ThrowsExactly<CalibException>(() => CalibrationRun.Execute(Request(model, $"{images};{extras}", RepoPaths.NewTempDirectory())));

        StringAssert.Contains(error.Message, "0003.npz' holds 2 samples, but it pairs with one image");
    }

    private static CalibrationRequest Request(string model, string data, string output) => new()
    {
        ModelPath = model,
        CalibrationSet = data,
        BatchSize = 4,
        Preprocessing = Scaled,
        Overrides = new SettingOverrides { BatchNum = 2 },
        OutputDirectory = output,
    };
}
