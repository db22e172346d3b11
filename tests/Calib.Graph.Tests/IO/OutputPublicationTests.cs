using Calib.Graph.IO;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.IO;

/// <summary>
/// The output set is all-or-nothing: a run killed at any step of writing leaves, once the next run
/// has claimed the folder, either the complete old set or the complete new one; the user's other files stay.
/// </summary>
[TestClass]
public sealed class OutputPublicationTests
{
    // The data file is streamed into the set (as a model's external data is), the rest are added as bytes.
    private static readonly string[] Names = ["m_fake_quant.onnx", "m_fake_quant.onnx.data", "m_deploy.onnx", "m_record.txt", "m_record.json"];

    // What a kill does to the writer: it stops there, running none of the writer's own clean-up.
    private sealed class SimulatedKill : Exception;

    [TestMethod]
    public void A_kill_at_any_step_leaves_the_old_or_the_new_complete_set()
    {
        var steps = StepsOfACommit();
        Assert.IsTrue(steps.Count >= 2 * Names.Length + 3, string.Join(", ", steps));
        var commit = steps.IndexOf("commit");
        var outcomes = new List<string>();
        for (var kill = 0; kill < steps.Count; kill++)
        {
            var dir = FolderWithOldSet();
            var set = NewSet(dir, beforeStep: step => { if (step == steps[kill]) throw new SimulatedKill(); });

            Assert.ThrowsExactly<SimulatedKill>(set.Commit, steps[kill]);

            // Up to the commit point, the folder shows the old set as it was (beside calib's hidden leftovers), without any recovery.
            if (kill <= commit) AssertSet(dir, "old", steps[kill], ignoringLeftovers: true);
            using (OutputFolder.Claim(dir)) { }
            var expected = kill <= commit ? "old" : "new";
            AssertSet(dir, expected, steps[kill]);
            outcomes.Add(expected);
        }
        CollectionAssert.Contains(outcomes, "old");
        CollectionAssert.Contains(outcomes, "new");
    }

    [TestMethod]
    public void A_complete_commit_replaces_the_set_and_keeps_other_files()
    {
        var dir = FolderWithOldSet();

        NewSet(dir).Commit();

        AssertSet(dir, "new", "commit");
    }

    [TestMethod]
    public void A_write_error_before_the_commit_point_changes_nothing()
    {
        // The disk fills up while the third file is written.
        var dir = FolderWithOldSet();
        var set = NewSet(dir, beforeStep: step => { if (step == $"write {Names[2]}") throw new IOException("No space left on device"); });

        var e = Assert.ThrowsExactly<CalibException>(set.Commit);

        StringAssert.Contains(e.Message, $"Cannot write the outputs to '{dir}': No space left on device. Nothing was written");
        AssertSet(dir, "old", "write error");
    }

    [TestMethod]
    public void A_name_blocked_by_a_folder_fails_before_anything_is_written()
    {
        var dir = FolderWithOldSet();
        File.Delete(Path.Combine(dir, Names[3]));
        Directory.CreateDirectory(Path.Combine(dir, Names[3]));

        var e = Assert.ThrowsExactly<CalibException>(NewSet(dir).Commit);

        StringAssert.Contains(e.Message, $"Cannot write '{Path.Combine(dir, Names[3])}': a folder of that name is in the way");
        foreach (var name in Names[..3]) Assert.AreEqual($"old {name}", File.ReadAllText(Path.Combine(dir, name)));
        Assert.IsFalse(Directory.Exists(Path.Combine(dir, SetPublication.StagingName)));
    }

    [TestMethod]
    public void Leftovers_of_killed_runs_are_removed_when_the_folder_is_claimed()
    {
        var dir = FolderWithOldSet();
        // An uncommitted staging folder, a lock file whose process died, and an older calib's temporary of a dead process.
        Directory.CreateDirectory(Path.Combine(dir, SetPublication.StagingName));
        File.WriteAllText(Path.Combine(dir, SetPublication.StagingName, Names[0]), "half");
        File.WriteAllText(Path.Combine(dir, OutputFolder.LockName), "");
        var stale = Path.Combine(dir, $"{Names[1]}.{DeadProcessId()}.tmp");
        File.WriteAllText(stale, "partial");

        NewSet(dir).Commit();

        AssertSet(dir, "new", "after leftovers");
        Assert.IsFalse(File.Exists(stale));
    }

    [TestMethod]
    public void The_lock_is_exclusive_against_other_openers_while_a_claim_is_held()
    {
        var dir = RepoPaths.NewTempDirectory();
        using var claim = OutputFolder.Claim(dir);

        // flock is per open file: this second open stands for another process.
        Assert.ThrowsExactly<IOException>(() => new FileStream(Path.Combine(dir, OutputFolder.LockName), FileMode.Open, FileAccess.ReadWrite, FileShare.None));
    }

    [TestMethod]
    public void Claims_within_one_process_share_the_hold_and_the_last_one_releases_it()
    {
        var dir = RepoPaths.NewTempDirectory();
        var outer = OutputFolder.Claim(dir);
        var inner = OutputFolder.Claim(dir);
        inner.Dispose();
        Assert.IsTrue(File.Exists(Path.Combine(dir, OutputFolder.LockName)));

        outer.Dispose();

        Assert.IsFalse(File.Exists(Path.Combine(dir, OutputFolder.LockName)));
        Assert.IsTrue(Directory.Exists(dir), "a folder that existed before the claim stays");
    }

    [TestMethod]
    public void A_claim_that_wrote_nothing_removes_the_folders_it_created()
    {
        var root = RepoPaths.NewTempDirectory();
        var dir = Path.Combine(root, "calib-out", "m");

        OutputFolder.Claim(dir).Dispose();

        Assert.IsFalse(Directory.Exists(Path.Combine(root, "calib-out")));
    }

    [TestMethod]
    public void A_folder_that_cannot_be_created_is_a_user_error_naming_it()
    {
        var root = RepoPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(root, "file"), "");

        var e = Assert.ThrowsExactly<CalibException>(() => OutputFolder.Claim(Path.Combine(root, "file", "out")));

        StringAssert.Contains(e.Message, $"Cannot create the output folder '{Path.Combine(root, "file", "out")}'");
    }

    [TestMethod]
    public void An_output_folder_that_is_a_file_is_a_user_error()
    {
        var file = Path.Combine(RepoPaths.NewTempDirectory(), "out");
        File.WriteAllText(file, "");

        var e = Assert.ThrowsExactly<CalibException>(() => OutputFolder.Claim(file));

        StringAssert.Contains(e.Message, $"The output folder '{file}' is a file");
    }

    [TestMethod]
    public void A_name_with_a_folder_part_or_a_reserved_name_is_refused()
    {
        var set = new OutputFileSet(RepoPaths.NewTempDirectory());
        Assert.ThrowsExactly<ArgumentException>(() => set.AddText("../escape.txt", ""));
        Assert.ThrowsExactly<ArgumentException>(() => set.AddText(SetPublication.StagingName, ""));
        set.AddText("a.txt", "");
        Assert.ThrowsExactly<ArgumentException>(() => set.AddText("a.txt", ""));
    }

    private static List<string> StepsOfACommit()
    {
        var steps = new List<string>();
        NewSet(FolderWithOldSet(), beforeStep: steps.Add).Commit();
        return steps;
    }

    private static string FolderWithOldSet()
    {
        var dir = RepoPaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "the user's own file");
        foreach (var name in Names) File.WriteAllText(Path.Combine(dir, name), $"old {name}");
        return dir;
    }

    private static OutputFileSet NewSet(string dir, Action<string>? beforeStep = null)
    {
        var set = new OutputFileSet(dir) { BeforeStep = beforeStep };
        foreach (var name in Names)
        {
            var content = System.Text.Encoding.UTF8.GetBytes($"new {name}");
            if (name.EndsWith(".data", StringComparison.Ordinal)) set.Add(name, stream => stream.Write(content));
            else set.Add(name, content);
        }
        return set;
    }

    // The folder holds exactly the set of one generation, the user's file, and nothing else.
    private static void AssertSet(string dir, string generation, string step, bool ignoringLeftovers = false)
    {
        var entries = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName)
            .Where(name => !ignoringLeftovers || !name!.StartsWith(".calib", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(Names.Append("notes.txt").Order(StringComparer.Ordinal).ToList(), entries, $"after '{step}': {string.Join(", ", entries)}");
        foreach (var name in Names)
            Assert.AreEqual($"{generation} {name}", File.ReadAllText(Path.Combine(dir, name)), $"after '{step}'");
        Assert.AreEqual("the user's own file", File.ReadAllText(Path.Combine(dir, "notes.txt")));
    }

    private static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }
}
