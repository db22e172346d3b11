namespace Calib.Bench;

/// <summary>The MobileNet-style and ConvTranspose benchmark nets, exported by scripts/make_bench_nets.py and cached.</summary>
internal static class BenchNets
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The cached net <paramref name="name"/> (mobilenet, convtranspose), generated first when missing.</summary>
    /// <exception cref="InvalidOperationException">The script is unavailable or fails.</exception>
    public static string Ensure(RepoLayout repo, string name, Action<string> log)
    {
        var path = Path.Combine(repo.CacheDirectory, $"{name}.onnx");
        if (File.Exists(path)) return path;
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: generating the {name} net needs Debian's python3-torch and python3-onnx.");
        log($"{name}: generating {path} with scripts/make_bench_nets.py");
        var partial = path + ".partial";
        Directory.CreateDirectory(repo.CacheDirectory);
        var script = ChildProcess.Run(Python, [repo.MakeBenchNetsScript, $"--{name}", partial]);
        if (script.ExitCode != 0 || !File.Exists(partial))
            throw new InvalidOperationException($"scripts/make_bench_nets.py --{name} failed (exit code {script.ExitCode}): {script.Error.Trim()}");
        File.Move(partial, path);
        return path;
    }
}
