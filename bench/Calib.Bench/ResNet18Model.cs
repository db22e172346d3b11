namespace Calib.Bench;

/// <summary>The ResNet-18-shaped benchmark model, exported once by scripts/make_samples.py and cached.</summary>
internal static class ResNet18Model
{
    // Debian's system Python: the python3 on PATH may be a build without python3-torch.
    private const string Python = "/usr/bin/python3";

    /// <summary>The cached model, generated first when it is missing.</summary>
    /// <exception cref="InvalidOperationException">The script is unavailable or fails.</exception>
    public static string Ensure(RepoLayout repo, Action<string> log)
    {
        var path = Path.Combine(repo.CacheDirectory, "resnet18.onnx");
        if (File.Exists(path)) return path;
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing: generating the ResNet-18 model needs Debian's python3-torch and python3-onnx (or pass --skip-resnet18).");
        log($"resnet18: generating {path} with scripts/make_samples.py --resnet18");
        // Written under another name and renamed when complete: an interrupted export must not leave a truncated cache.
        var partial = path + ".partial";
        var script = ChildProcess.Run(Python, [repo.MakeSamplesScript, "--resnet18", partial]);
        if (script.ExitCode != 0 || !File.Exists(partial))
            throw new InvalidOperationException(
                $"scripts/make_samples.py --resnet18 failed (exit code {script.ExitCode}): {script.Error.Trim()}");
        File.Move(partial, path);
        return path;
    }
}
