using System.Diagnostics;
using System.Text;
using Calib.Tests.Shared;

namespace Calib.Cli.Tests.Hardening;

/// <summary>
/// Mutation fuzzing of calib's five input formats — ONNX models, Caffe prototxt, caffemodel, AMCT .cfg
/// and .npy tensors — through the command line's own error handling, in process. Every mutated input
/// must end in exit 0 or 1 (1 with a "calib: error:" line), never exit 70, a stack trace or a hang.
/// The seed is fixed, so a failure reproduces; its input is kept and named in the message.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    private const int Seed = 15;

    /// <summary>Mutated inputs per kind: 3,600 in all, about 30 s on two cores.</summary>
    private const int PerKind = 600;

    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);

    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Mutated_inputs_of_five_formats_end_in_a_clear_exit_code()
    {
        var bench = new Bench(RepoPaths.NewTempDirectory());
        var failures = new List<string>();
        var counts = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        foreach (var (kind, index) in bench.Kinds.Select((k, i) => (k, i)))
        {
            var mutator = new Mutator(Seed * 100 + index);
            var kindClock = Stopwatch.StartNew();
            var accepted = 0;
            var ran = 0;
            for (var i = 0; i < PerKind; i++)
            {
                var args = bench.Mutated(kind, mutator);
                var outcome = InProcess(args);
                ran++;
                if (outcome?.ExitCode == CalibApp.Success) accepted++;
                if (Check(outcome, args) is { } problem) failures.Add($"{kind.Name} #{i}: {problem} (input kept as {bench.Keep(kind, i)})");
            }
            counts[kind.Name] = ran;
            TestContext.WriteLine($"fuzz {kind.Name}: {ran} inputs ({accepted} accepted) in {kindClock.Elapsed.TotalSeconds:F1} s");
        }
        var total = counts.Values.Sum();
        TestContext.WriteLine($"fuzz: {total} mutated inputs in {clock.Elapsed.TotalSeconds:F1} s, {failures.Count} failures");

        Assert.AreEqual(0, failures.Count, string.Join("\n", failures.Take(60)));
        Assert.IsTrue(total >= 2000, $"only {total} inputs");
        Assert.IsTrue(clock.Elapsed < Budget, $"{total} inputs took {clock.Elapsed}, over the {Budget} budget");
    }

    [TestMethod]
    public void Every_seed_is_a_valid_input()
    {
        var bench = new Bench(RepoPaths.NewTempDirectory());
        foreach (var kind in bench.Kinds)
        {
            var outcome = CliRunner.InProcess(bench.Unmutated(kind));
            Assert.AreEqual(CalibApp.Success, outcome.ExitCode, $"{kind.Name}: {outcome.Error}");
        }
    }

    [TestMethod]
    public void Mutated_inputs_through_the_real_executable_end_in_a_clear_exit_code()
    {
        var bench = new Bench(RepoPaths.NewTempDirectory());
        var failures = new List<string>();
        foreach (var (kind, index) in bench.Kinds.Select((k, i) => (k, i)))
        {
            var mutator = new Mutator(Seed * 100 + index);
            var args = bench.Mutated(kind, mutator);
            var outcome = CliRunner.AsProcess(args);
            if (Check(outcome, args) is { } problem) failures.Add($"{kind.Name}: {problem}");
        }
        Assert.AreEqual(0, failures.Count, string.Join('\n', failures));
    }

    // Null when the outcome is what calib promises for any input.
    private static string? Check(CliRunner.Outcome? outcome, string[] args)
    {
        var command = string.Join(' ', args);
        if (outcome is null) return $"no answer within {PerInput.TotalSeconds} s: {command}";
        var (code, _, error) = outcome;
        if (code is not (CalibApp.Success or CalibApp.UserError)) return $"exit {code}: {FirstLines(error)} ({command})";
        if (error.Contains("   at ", StringComparison.Ordinal)) return $"stack trace: {FirstLines(error)}";
        var last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        if (code == CalibApp.UserError && !last.StartsWith("calib: error: ", StringComparison.Ordinal))
            return $"exit 1 without a calib: error: line: {FirstLines(error)}";
        return null;
    }

    private static CliRunner.Outcome? InProcess(string[] args)
    {
        var run = Task.Run(() => CliRunner.InProcess(args));
        return run.Wait(PerInput) ? run.Result : null;
    }

    private static string FirstLines(string text) => string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(3));

    /// <summary>One kind of fuzzed input: its seed, how to mutate it, where it goes and the command that reads it.</summary>
    private sealed record Kind(string Name, string Input, byte[] Seed, Func<Mutator, byte[]> Mutate, Func<string, string[]> Command);

    /// <summary>The seed files in a temporary folder and, per kind, how to mutate one and run calib on it.</summary>
    private sealed class Bench
    {
        private readonly string _folder;

        public Bench(string folder)
        {
            _folder = folder;
            var tinyOnnx = FuzzSeeds.TinyOnnx();
            var sampleOnnx = File.ReadAllBytes(SampleModel);
            var caffemodel = FuzzSeeds.Caffemodel();
            var prototxt = Encoding.UTF8.GetBytes(FuzzSeeds.Prototxt);
            var cfg = Encoding.UTF8.GetBytes(FuzzSeeds.Cfg);
            var npy = FuzzSeeds.Npy();
            var seedPrototxt = Write("seed/net.prototxt", prototxt);
            var seedCaffemodel = Write("seed/net.caffemodel", caffemodel);
            var tinyModel = Write("seed/tiny.onnx", tinyOnnx);
            var seedSamples = Path.GetDirectoryName(Write("seed/samples/x.npy", npy))!;
            var output = Path.Combine(folder, "out");
            string[] Calibrate(string model, string samples) =>
                ["run", "--model", model, "--calib-set", samples, "--batch-num", "1", "--batch-size", "1", "-o", output];

            Kinds =
            [
                new("onnx (sample, structure)", "onnx1/model.onnx", sampleOnnx, m => OnnxMutator.Mutate(sampleOnnx, m),
                    path => ["config", "init", "--model", path, "-o", Path.Combine(output, "quant.json")]),
                new("onnx (tiny, bytes)", "onnx2/model.onnx", tinyOnnx, m => m.Bytes(tinyOnnx), path => Calibrate(path, seedSamples)),
                new("prototxt", "prototxt/net.prototxt", prototxt, m => Encoding.UTF8.GetBytes(m.Text(FuzzSeeds.Prototxt)),
                    path => ["convert", "--model", path, "--weights", seedCaffemodel, "-o", Path.Combine(output, "net.onnx")]),
                new("caffemodel", "caffemodel/net.caffemodel", caffemodel, m => m.Bytes(caffemodel),
                    path => ["inspect", "--model", seedPrototxt, "--weights", path]),
                new("cfg", "cfg/amct.cfg", cfg, m => Encoding.UTF8.GetBytes(m.Text(FuzzSeeds.Cfg)),
                    path => ["config", "init", "--model", SampleModel, "--simple-config", path, "-o", Path.Combine(output, "quant.json")]),
                new("npy", "npy/samples/x.npy", npy, m => m.Bytes(npy), path => Calibrate(tinyModel, Path.GetDirectoryName(path)!)),
            ];
        }

        public IReadOnlyList<Kind> Kinds { get; }

        /// <summary>The command for a fresh mutation of <paramref name="kind"/>'s seed.</summary>
        public string[] Mutated(Kind kind, Mutator mutator) => kind.Command(Write(kind.Input, kind.Mutate(mutator)));

        /// <summary>The command for <paramref name="kind"/>'s seed itself.</summary>
        public string[] Unmutated(Kind kind) => kind.Command(Write(kind.Input, kind.Seed));

        /// <summary>Copies the current input of <paramref name="kind"/> aside; returns where.</summary>
        public string Keep(Kind kind, int index)
        {
            var source = Path.Combine(_folder, kind.Input);
            var kept = Path.Combine(_folder, "failures", $"{index}-{Path.GetFileName(source)}");
            Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
            File.Copy(source, kept, overwrite: true);
            return kept;
        }

        private string Write(string relative, byte[] bytes)
        {
            var path = Path.Combine(_folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            return path;
        }
    }
}
