namespace Calib.Bench;

/// <summary>The MobileNet-style, ConvTranspose and transformer benchmark nets, exported by scripts/make_bench_nets.py and cached.</summary>
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

    /// <summary>
    /// The cached transformer folder (model.onnx and calib/*.npz), generated first when missing. Made under another
    /// name and renamed when complete, so an interrupted export leaves no half-made folder.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script is unavailable or fails (python3-torch missing, for instance).</exception>
    public static string EnsureTransformer(RepoLayout repo, Action<string> log)
    {
        var folder = Path.Combine(repo.CacheDirectory, Workload.TransformerName);
        if (Directory.Exists(folder)) return folder;
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: generating the transformer needs Debian's python3-torch, python3-onnx and python3-numpy (or pass --skip-transformer).");
        log($"transformer: generating {folder} with scripts/make_bench_nets.py --transformer");
        var partial = folder + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        var script = ChildProcess.Run(Python, [repo.MakeBenchNetsScript, "--transformer", partial]);
        if (script.ExitCode != 0 || !File.Exists(Path.Combine(partial, "model.onnx")))
            throw new InvalidOperationException(
                $"scripts/make_bench_nets.py --transformer failed (exit code {script.ExitCode}; it needs Debian's python3-torch, or pass --skip-transformer): {script.Error.Trim()}");
        Directory.Move(partial, folder);
        return folder;
    }
}
