using System.Diagnostics;
using Calib.Graph.IO;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Commands;

/// <summary>
/// The output folder seen from the command line (issue 15): claimed before calibrating, exclusive
/// between processes, and all-or-nothing when a real calib process is killed while it works.
/// </summary>
[TestClass]
public sealed class OutputSafetyTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");
    private static readonly string[] Suffixes = ["_fake_quant.onnx", "_deploy.onnx", "_record.txt", "_record.json", "_quant_config.json", "_calibration.csv"];

    // The six core files only: the speed file's timings differ from run to run, and the set must compare byte for byte.
    private static string[] RunArgs(string output) =>
        ["run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "4", "--batch-size", "8", "--mean", "0.2860", "--std", "0.3530",
            "--no-speed", "--no-fidelity", "--output", output];

    [TestMethod]
    public void A_second_run_into_a_folder_in_use_is_refused_with_one_line_and_writes_nothing()
    {
        var output = RepoPaths.NewTempDirectory();
        using var firstRun = OutputFolder.Claim(output);

        var second = CliRunner.AsProcess(RunArgs(output));

        Assert.AreEqual(CalibApp.UserError, second.ExitCode, second.Error);
        Assert.AreEqual($"calib: error: The output folder '{output}' is in use by another calib run: wait for it to finish or choose another output folder.",
            second.Error.Trim());
        Assert.AreEqual(0, Directory.EnumerateFileSystemEntries(output).Count(e => Path.GetFileName(e) != OutputFolder.LockName));
    }

    [TestMethod]
    public void An_output_folder_that_cannot_be_created_fails_before_calibrating()
    {
        var root = RepoPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(root, "blocked"), "a file where a folder should be");
        var output = Path.Combine(root, "blocked", "out");

        var result = CliRunner.InProcess(RunArgs(output));

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        // The path is checked with the flags, before the model is even loaded.
        StringAssert.StartsWith(result.Error, $"calib: error: --output '{output}' cannot be created: ");
        Assert.AreEqual(1, result.Error.Trim().Split('\n').Length, result.Error);
        Assert.IsFalse(result.Output.Contains("calibration batch", StringComparison.Ordinal), "the error must come before calibration");
    }

    [TestMethod]
    public void A_failed_run_into_a_new_folder_leaves_no_folder_behind()
    {
        var output = Path.Combine(RepoPaths.NewTempDirectory(), "calib-out", "fmnist_resnet");

        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "100", "--batch-size", "64", "--output", output);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(output)), "nothing is written, not even the folder");
    }

    [TestMethod]
    public void A_calib_process_killed_while_it_works_leaves_the_old_or_the_new_complete_set()
    {
        var reference = RepoPaths.NewTempDirectory();
        Assert.AreEqual(0, CliRunner.InProcess(RunArgs(reference)).ExitCode);
        var newSet = Suffixes.ToDictionary(s => s, s => File.ReadAllBytes(Path.Combine(reference, "fmnist_resnet" + s)));

        // One kill while calibrating, then kills a few milliseconds after the staging folder appears: while writing and publishing.
        foreach (var delay in new int?[] { null, 0, 3, 10 })
        {
            var output = RepoPaths.NewTempDirectory();
            foreach (var suffix in Suffixes) File.WriteAllText(Path.Combine(output, "fmnist_resnet" + suffix), "old");
            KillWhileWriting(RunArgs(output), output, delay);

            // The next run claims the folder first; that completes or discards what the killed one left.
            using (OutputFolder.Claim(output)) { }

            var files = Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            CollectionAssert.AreEqual(Suffixes.Select(s => "fmnist_resnet" + s).Order(StringComparer.Ordinal).ToList(), files, string.Join(", ", files));
            var old = Suffixes.Count(s => File.ReadAllText(Path.Combine(output, "fmnist_resnet" + s)) == "old");
            var fresh = Suffixes.Count(s => File.ReadAllBytes(Path.Combine(output, "fmnist_resnet" + s)).SequenceEqual(newSet[s]));
            Assert.IsTrue(old == Suffixes.Length || fresh == Suffixes.Length, $"killed {delay} ms after the last batch: {old} old and {fresh} new files");
        }
    }

    // Kills the run at its last calibration batch (no delay), or that many milliseconds after it starts writing its files.
    private static void KillWhileWriting(string[] args, string output, int? delay)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "calib.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        while (process.StandardOutput.ReadLine() is { } line && !line.Contains("calibration batch 4/4", StringComparison.Ordinal)) { }
        _ = process.StandardOutput.ReadToEndAsync();
        if (delay is { } milliseconds)
        {
            var staging = Path.Combine(output, ".calib-staging");
            while (!Directory.Exists(staging) && !process.HasExited) Thread.Sleep(1);
            Thread.Sleep(milliseconds);
        }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }
}
