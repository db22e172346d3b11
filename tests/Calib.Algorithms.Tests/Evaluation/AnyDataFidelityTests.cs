using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Tests.Calibration;
using Calib.Algorithms.Tests.Data;
using Calib.Algorithms.Workflows;
using Calib.Tests.Shared;

namespace Calib.Algorithms.Tests.Evaluation;

/// <summary>
/// The fidelity check and the range choice on any calibration data: tensor files, and images read with
/// --skip-bad-images. Calibration records the samples it fed by identity; the fidelity samples are exactly
/// the ones it neither fed nor skipped, and the range choice re-reads exactly the ones it fed.
/// </summary>
[TestClass]
public sealed class AnyDataFidelityTests
{
    [TestMethod]
    public void Npz_data_gets_fidelity_figures_on_the_samples_not_fed_and_a_range_choice()
    {
        var model = TensorDataFiles.ThreeInputModel();
        var dir = RepoPaths.NewTempDirectory();
        // Files of 1, 3, 5, 1, 3, 5 samples: 8 are fed (2 × 4), from the fifth sample of 0002.npz on they are held out.
        var sample = 0;
        for (var file = 0; file < 6; file++)
        {
            var count = 1 + 2 * (file % 3);
            var rows = Enumerable.Range(sample, count).Select(i => TensorDataFiles.Sample(i % 8)).ToList(); // held-out samples within the fed range
            sample += count;
            NumpyFiles.Npz(Path.Combine(dir, $"{file:D4}.npz"),
                ("x", NpyEntry.Floats([count, 4], [.. rows.SelectMany(r => r.X)])),
                ("ids", NpyEntry.Int64s([count, 4], [.. rows.SelectMany(r => r.Ids)])),
                ("rate", NpyEntry.Int64s([], 2)));
        }

        var outcome = CalibrationRun.Execute(new CalibrationRequest
        {
            ModelPath = model,
            CalibrationSet = dir,
            BatchSize = 4,
            Overrides = new SettingOverrides { BatchNum = 2 },
            OutputDirectory = RepoPaths.NewTempDirectory(),
        });

        Assert.AreEqual(8, outcome.Samples);
        Assert.AreEqual("samples", outcome.SampleNoun);
        var fidelity = outcome.Fidelity!;
        Assert.AreEqual(FidelitySource.HeldOut, fidelity.Source);
        Assert.AreEqual(18 - 8, fidelity.Samples);
        var heldOut = new[] { ("0002.npz", 4L) }.Concat(new[] { ("0003.npz", 1), ("0004.npz", 3), ("0005.npz", 5) }
            .SelectMany(f => Enumerable.Range(0, f.Item2).Select(i => (f.Item1, (long)i))));
        CollectionAssert.AreEqual(heldOut.ToArray(), Samples(fidelity.Measured));
        StringAssert.StartsWith(fidelity.Describe(), "10 held-out samples of");
        Assert.IsTrue(fidelity.WorstCosine >= 0.99, $"cosine {fidelity.WorstCosine}");
        var choice = outcome.RangeChoice!;
        Assert.AreEqual(8, choice.Samples);
        CollectionAssert.AreEqual(RangeChoice.Algorithms.ToArray(), choice.Candidates.Select(c => c.Algorithm).ToArray());
    }

    // Each sample as (file name, index in the file).
    private static (string, long)[] Samples(IEnumerable<SampleRun> runs) =>
        runs.SelectMany(r => Enumerable.Range(0, (int)r.Count!.Value).Select(i => (Path.GetFileName(r.File), r.Start + i))).ToArray();

    [TestMethod]
    public void With_skip_bad_images_fidelity_holds_out_neither_the_skipped_nor_the_fed_and_range_choice_rereads_the_fed()
    {
        var dir = RepoPaths.NewTempDirectory();
        var source = CalibrationSet.Open(SampleRuns.CalibrationImages).Files.Take(12).ToList();
        foreach (var file in source) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        // One corrupt file among those calibration reads, one among those it leaves.
        File.WriteAllText(Path.Combine(dir, "train_00000_bad.png"), "not a png");
        File.WriteAllText(Path.Combine(dir, "zz_bad.png"), "not a png");
        var warnings = new List<string>();
        var request = SampleRuns.Request(RepoPaths.NewTempDirectory(), images: dir, batchNum: 2, batchSize: 4) with { SkipUndecodable = true };

        var calibrated = CalibrationRun.Calibrate(CalibrationRun.Prepare(request), request, warn: warnings.Add);
        var outcome = CalibrationRun.Execute(request, warn: warnings.Add);

        var fed = calibrated.Statistics.Fed;
        var names = source.Select(Path.GetFileName).ToList();
        CollectionAssert.AreEqual(names.Take(8).ToArray(), fed.Runs.Select(r => Path.GetFileName(r.File)).ToArray());
        CollectionAssert.AreEqual(new[] { Path.Combine(dir, "train_00000_bad.png") }, fed.Skipped.ToArray());
        var reread = FidelityData.Calibration(calibrated.CalibrationData, fed, request.BatchSize, request.ModelPath, RangeChoice.Samples);
        CollectionAssert.AreEqual(fed.Runs.ToArray(), reread.Measured.ToArray(), "range choice re-reads exactly the fed samples");

        var fidelity = outcome.Fidelity!;
        Assert.AreEqual(FidelitySource.HeldOut, fidelity.Source);
        CollectionAssert.AreEqual(names.Skip(8).ToArray(), fidelity.Measured.Select(r => Path.GetFileName(r.File)).ToArray());
        Assert.AreEqual("images", fidelity.Noun);
        Assert.IsNotNull(outcome.RangeChoice);
        Assert.IsTrue(warnings.Any(w => w.Contains("zz_bad.png")), "the held-out corrupt file is skipped with a warning");
    }
}
