using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Execution;

/// <summary>
/// Whether ONNX Runtime's CUDA execution provider can start here. Checked before any model is
/// loaded, because ONNX Runtime itself only says "Failed to load shared library" and names the
/// missing CUDA library in a log line of its own.
/// </summary>
public static class CudaSupport
{
    /// <summary>The tool package of calib's CUDA flavour (built with <c>-p:CalibGpu=true</c>).</summary>
    public const string GpuPackageId = "Calib.Gpu";

    /// <summary>What the CUDA flavour's ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0) needs on the machine.</summary>
    public const string Requirements = "CUDA 13.x and cuDNN 9.x for CUDA 13, with an NVIDIA driver for CUDA 13 (580 or newer)";

    /// <summary>
    /// The shared libraries ONNX Runtime 1.31's CUDA provider loads: the five it links
    /// (<c>readelf -d libonnxruntime_providers_cuda.so</c>) and cuDNN, which it opens itself on
    /// first use. cuFFT (libcufft.so.12) is left out: only the DFT/STFT operators open it.
    /// </summary>
    public static IReadOnlyList<(string Library, string Provides)> Libraries { get; } =
    [
        ("libcuda.so.1", "NVIDIA driver"),
        ("libcudart.so.13", "CUDA 13 runtime"),
        ("libcublas.so.13", "cuBLAS, CUDA 13"),
        ("libcublasLt.so.13", "cuBLASLt, CUDA 13"),
        ("libcurand.so.10", "cuRAND, CUDA 13"),
        ("libcudnn.so.9", "cuDNN 9"),
    ];

    private const string CudaProvider = "CUDAExecutionProvider";

    // The answer cannot change while the process runs; every ModelRunner of a run asks again.
    private static readonly Lazy<string?> Problem = new(() =>
        FindProblem(OrtEnv.Instance().GetAvailableProviders(), CanLoad));

    /// <summary>Throws unless <c>--device cuda</c> can work: the CUDA build of ONNX Runtime and every library it needs.</summary>
    /// <exception cref="CalibException">This is the CPU build, or a CUDA library cannot be loaded; the message names it.</exception>
    public static void EnsureAvailable()
    {
        if (Problem.Value is { } problem) throw new CalibException(problem);
    }

    /// <summary>
    /// Why CUDA cannot run, or null when it can. <paramref name="providers"/> are ONNX Runtime's
    /// compiled-in execution providers; <paramref name="canLoad"/> says whether the dynamic loader
    /// finds a library by its file name. Both are parameters so the messages can be tested anywhere.
    /// </summary>
    internal static string? FindProblem(IEnumerable<string> providers, Func<string, bool> canLoad)
    {
        if (!providers.Contains(CudaProvider, StringComparer.Ordinal))
            return "--device cuda needs calib's CUDA flavour, and this is the CPU build (package Calib), whose ONNX Runtime " +
                   $"has no CUDA execution provider. Install the package {GpuPackageId} instead (dotnet tool install -g {GpuPackageId}; " +
                   $"it needs {Requirements}) or use --device cpu.";
        var missing = Libraries.Where(l => !canLoad(l.Library)).Select(l => $"{l.Library} ({l.Provides})").ToList();
        if (missing.Count == 0) return null;
        return $"--device cuda: ONNX Runtime's CUDA provider cannot start because the loader finds no {string.Join(", ", missing)}. " +
               $"calib's CUDA flavour needs {Requirements}: install them where the loader looks (ldconfig or LD_LIBRARY_PATH), " +
               "or use --device cpu.";
    }

    // The handle is kept: ONNX Runtime loads the same library moments later.
    private static bool CanLoad(string library) => NativeLibrary.TryLoad(library, out _);
}
