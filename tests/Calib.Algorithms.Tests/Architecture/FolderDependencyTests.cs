using Calib.Algorithms.Workflows;

namespace Calib.Algorithms.Tests.Architecture;

/// <summary>
/// Calib.Algorithms has a folder (namespace) per concern, and the folders form no cycle: feature
/// folders depend on lower ones only, and the command drivers live in Workflows, which nothing else uses.
/// </summary>
[TestClass]
public sealed class FolderDependencyTests
{
    private const string Root = "Calib.Algorithms";

    private static readonly Dictionary<string, HashSet<string>> Edges = FolderEdges();

    [TestMethod]
    public void The_folders_of_calib_algorithms_form_no_cycle()
    {
        var cycle = FindCycle();
        Assert.IsNull(cycle, cycle is null ? "" : $"folder cycle: {string.Join(" → ", cycle)}\n{Describe()}");
    }

    [TestMethod]
    public void Only_workflows_drive_commands()
    {
        var users = Edges.Where(e => e.Key != "Workflows" && e.Value.Contains("Workflows")).Select(e => e.Key).ToList();
        CollectionAssert.AreEqual(Array.Empty<string>(), users, Describe());
    }

    [TestMethod]
    public void The_scan_sees_dependencies_written_in_method_bodies()
    {
        // CalibrationRun builds plans (a static call in a method body) and outputs (Export).
        CollectionAssert.IsSubsetOf(new[] { "Calibration", "Export", "Preparation" }, Edges["Workflows"].ToArray());
        // The accuracy CSV (Reporting) writes an evaluation report's rows.
        CollectionAssert.Contains(Edges["Reporting"].ToArray(), "Evaluation");
    }

    private static Dictionary<string, HashSet<string>> FolderEdges()
    {
        var edges = new Dictionary<string, HashSet<string>>();
        foreach (var (type, used) in TypeReferences.Of(typeof(CalibrationRun).Assembly))
        {
            if (FolderOf(type) is not { } from) continue;
            var targets = edges.TryGetValue(from, out var set) ? set : edges[from] = [];
            foreach (var to in used.Select(FolderOf).OfType<string>().Where(to => to != from)) targets.Add(to);
        }
        return edges;
    }

    // The folder below Calib.Algorithms a type lives in (nested and generated types count as their namespace's).
    private static string? FolderOf(Type type)
    {
        var ns = type.Namespace ?? "";
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal)) return null;
        return ns[(Root.Length + 1)..].Split('.')[0];
    }

    private static List<string>? FindCycle()
    {
        var state = new Dictionary<string, int>();
        var path = new List<string>();
        List<string>? Visit(string folder)
        {
            state[folder] = 1;
            path.Add(folder);
            foreach (var next in Edges.GetValueOrDefault(folder) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1) return [.. path.SkipWhile(f => f != next), next];
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[folder] = 2;
            return null;
        }
        return Edges.Keys.Order().Where(f => state.GetValueOrDefault(f) == 0).Select(Visit).FirstOrDefault(c => c is not null);
    }

    private static string Describe() =>
        string.Join("\n", Edges.OrderBy(e => e.Key).Select(e => $"{e.Key} → {string.Join(", ", e.Value.Order())}"));
}
