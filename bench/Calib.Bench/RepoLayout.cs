namespace Calib.Bench;

/// <summary>Where the bench finds the project's samples and keeps what it generates.</summary>
/// <param name="Root">The repository root (the folder holding Calib.sln).</param>
internal sealed record RepoLayout(string Root)
{
    /// <summary>The sample model, a small residual CNN for Fashion-MNIST.</summary>
    public string SampleModel => Path.Combine(Root, "models", "fmnist_resnet", "fmnist_resnet.onnx");

    /// <summary>The 256 calibration images of the sample.</summary>
    public string CalibrationImages => Path.Combine(Root, "calibration-data", "fmnist");

    /// <summary>The Fashion-MNIST LeNet of the shared data (never copied into the repository).</summary>
    public string LeNetModel => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "onnx", "fmnist_lenet.onnx"));

    /// <summary>The script that exports the MobileNet-style and ConvTranspose nets.</summary>
    public string MakeBenchNetsScript => Path.Combine(Root, "scripts", "make_bench_nets.py");

    /// <summary>The script that exports the ResNet-18-shaped model.</summary>
    public string MakeSamplesScript => Path.Combine(Root, "scripts", "make_samples.py");

    /// <summary>The bench's cache. Under artifacts/, which git ignores: the ~45 MB ResNet-18 must never be committed.</summary>
    public string CacheDirectory => Path.Combine(Root, "artifacts", "bench");

    /// <summary>Finds the repository above the bench's binaries, else above the current folder.</summary>
    /// <exception cref="InvalidOperationException">Neither lies inside a calib checkout.</exception>
    public static RepoLayout Find() =>
        new(RootAbove(AppContext.BaseDirectory) ?? RootAbove(Environment.CurrentDirectory)
            ?? throw new InvalidOperationException("Cannot find the calib repository (a folder holding Calib.sln) above the bench or the current folder."));

    private static string? RootAbove(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Calib.sln"))) return dir.FullName;
        return null;
    }
}
