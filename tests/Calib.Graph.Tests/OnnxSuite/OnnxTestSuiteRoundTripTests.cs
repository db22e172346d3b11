using System.Collections.Concurrent;
using System.Text;
using Calib.Tests.Shared;

namespace Calib.Graph.Tests.OnnxSuite;

/// <summary>
/// Every model of ONNX's own test data (Debian package libonnx-testdata) is loaded into the IR,
/// saved again, and run in ONNX Runtime beside the original on the stored inputs: the round trip
/// must lose nothing and change no output. The tally is printed and written for the closing notes.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class OnnxTestSuiteRoundTripTests
{
    private const string SuiteRoot = "/usr/share/libonnx-testdata/data";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void Every_suite_model_round_trips_without_changing_onnx_runtime_outputs()
    {
        if (!Directory.Exists(SuiteRoot))
            Assert.Fail($"ONNX test data not found at {SuiteRoot}: install Debian's libonnx-testdata (the real-model tier needs it).");
        var cases = Directory.GetDirectories(SuiteRoot)
            .SelectMany(suite => Directory.GetDirectories(suite).Select(dir => new SuiteCase(Path.GetFileName(suite), dir)))
            .Where(c => File.Exists(Path.Combine(c.Directory, "model.onnx")))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        Assert.IsTrue(cases.Count(c => c.Suite == "node") > 900, $"expected the full node suite, found {cases.Count} models");

        var results = new ConcurrentBag<SuiteCase.Result>();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c => results.Add(c.Run()));

        var report = Report(results.OrderBy(r => r.Case.Name, StringComparer.Ordinal).ToList());
        TestContext.WriteLine(report);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "calib-onnx-suite-report.txt"), report);
        var broken = results.Where(r => r.Outcome == SuiteOutcome.Broken).Select(r => $"{r.Case.Name}: {r.Detail}").ToList();
        Assert.AreEqual(0, broken.Count, string.Join("\n", broken));
    }

    private static string Report(IReadOnlyList<SuiteCase.Result> results)
    {
        var text = new StringBuilder();
        text.AppendLine("ONNX test-suite round trip (libonnx-testdata)");
        foreach (var suite in results.GroupBy(r => r.Case.Suite))
        {
            var identical = suite.Where(r => r.Outcome == SuiteOutcome.Identical).ToList();
            text.AppendLine($"{suite.Key}: {suite.Count()} models; loaded and re-saved losslessly: {suite.Count(r => r.Outcome != SuiteOutcome.Broken)}; " +
                $"identical ORT outputs after round trip: {identical.Count}; of those matching the stored reference outputs: {identical.Count(r => r.MatchesReference == true)}");
            foreach (var outcome in suite.Where(r => r.Outcome != SuiteOutcome.Identical).GroupBy(r => r.Outcome))
                text.AppendLine($"  {outcome.Key}: {outcome.Count()}");
        }
        text.AppendLine();
        text.AppendLine("Not compared (ONNX Runtime's own verdict on the original model, unchanged by the round trip):");
        foreach (var r in results.Where(r => r.Outcome is not SuiteOutcome.Identical))
            text.AppendLine($"  {r.Case.Name}: {r.Outcome}: {r.Detail}");
        text.AppendLine("Identical outputs but differing from the stored reference (ONNX Runtime's numerics, same for the original):");
        foreach (var r in results.Where(r => r.Outcome == SuiteOutcome.Identical && r.MatchesReference == false))
            text.AppendLine($"  {r.Case.Name}");
        return text.ToString();
    }
}
