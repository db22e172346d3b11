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
