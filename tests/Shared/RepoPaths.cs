namespace Calib.Tests.Shared;

/// <summary>
/// Locations the tests read from: the repository's own samples, and the real-model data in
/// <c>../shared/data</c> beside the checkout. Real-model tests must fail, not skip, when that
/// data is missing, so <see cref="SharedData"/> throws with the path it looked for.
/// </summary>
public static class RepoPaths
{
    /// <summary>The repository root (the folder holding Calib.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository.</summary>
    public static string InRepo(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path inside <c>../shared/data</c>; fails the test when it does not exist.</summary>
    public static string SharedData(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([Root, "..", "shared", "data", .. parts]));
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InvalidOperationException(
                $"Real-model test data '{path}' is missing: the real-model tier needs ../shared/data beside the checkout.");
        return path;
    }

    /// <summary>A fresh empty temporary folder for one test.</summary>
    public static string NewTempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "calib-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Calib.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Calib.sln) above the test binaries.");
    }
}

/// <summary>Test categories: the self-contained tier runs everything not in <see cref="RealModel"/>.</summary>
public static class Categories
{
    /// <summary>Tests over data outside the repository (../shared/data, Debian's ONNX test data, python3-onnx).</summary>
    public const string RealModel = "RealModel";
}

/// <summary>
/// The independent ONNX checker: Debian's python3-onnx, <c>onnx.checker.check_model(full_check=True)</c>
/// (which includes strict shape inference). Used by real-model-tier tests only.
/// </summary>
public static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    private const string Script =
        "import sys, onnx\n" +
        "m = onnx.load(sys.argv[1])\n" +
        "onnx.checker.check_model(m, full_check=True)\n" +
        "print('ok')\n";

    // For a model over 2 GiB (external data): onnx checks it from its path, without loading the tensors into one message;
    // shape inference writes its result to a scratch file instead of over the model.
    private const string PathScript =
        "import sys, os, tempfile, onnx\n" +
        "onnx.checker.check_model(sys.argv[1])\n" +
        "scratch = os.path.join(tempfile.mkdtemp(), 'inferred.onnx')\n" +
        "onnx.shape_inference.infer_shapes_path(sys.argv[1], scratch, check_type=True, strict_mode=True)\n" +
        "os.remove(scratch)\n" +
        "print('ok')\n";

    /// <summary>Runs the checker on <paramref name="modelPath"/>; returns null when it passes, else its complaint.</summary>
    public static string? Check(string modelPath) => Run(Script, modelPath);

    /// <summary>
    /// As <see cref="Check"/>, for a model of any size: the checker reads the file (and its external data
    /// references) by path, as onnx requires above 2 GiB.
    /// </summary>
    public static string? CheckPath(string modelPath) => Run(PathScript, modelPath);

    private static string? Run(string script, string modelPath)
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} not found: install Debian's python3-onnx for the real-model tier.");
        var start = new System.Diagnostics.ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(modelPath);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (error.Contains("No module named 'onnx'"))
            throw new InvalidOperationException("python3-onnx is not installed: the real-model tier needs it (apt-get install python3-onnx).");
        return process.ExitCode == 0 && output.Result.Trim() == "ok" ? null : error.Trim();
    }
}
