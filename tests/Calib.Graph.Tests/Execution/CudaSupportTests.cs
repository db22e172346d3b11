using Calib.Graph.Execution;

namespace Calib.Graph.Tests.Execution;

/// <summary>The --device cuda diagnosis, with ONNX Runtime's provider list and the dynamic loader replaced.</summary>
[TestClass]
public sealed class CudaSupportTests
{
    private static readonly string[] CpuBuild = ["AzureExecutionProvider", "CPUExecutionProvider"];
    private static readonly string[] GpuBuild = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"];

    [TestMethod]
    public void The_cpu_build_points_to_the_cuda_package()
    {
        var problem = CudaSupport.FindProblem(CpuBuild, _ => true);

        Assert.IsNotNull(problem);
        StringAssert.StartsWith(problem, "--device cuda needs calib's CUDA flavour");
        StringAssert.Contains(problem, "dotnet tool install -g Calib.Gpu");
        StringAssert.Contains(problem, "CUDA 13");
        StringAssert.Contains(problem, "--device cpu");
    }

    [TestMethod]
    public void A_missing_library_is_named_with_what_it_provides_and_the_versions_needed()
    {
        var problem = CudaSupport.FindProblem(GpuBuild, library => library != "libcublasLt.so.13");

        Assert.IsNotNull(problem);
        StringAssert.Contains(problem, "finds no libcublasLt.so.13 (cuBLASLt, CUDA 13)");
        StringAssert.Contains(problem, "CUDA 13.x and cuDNN 9.x");
        StringAssert.Contains(problem, "LD_LIBRARY_PATH");
        StringAssert.Contains(problem, "--device cpu");
        Assert.IsFalse(problem.Contains("libcudart"), "only what is missing is named");
        Assert.IsFalse(problem.Contains('\n'), "one line");
    }

    [TestMethod]
    public void Every_missing_library_is_named_in_the_loaders_order()
    {
        var problem = CudaSupport.FindProblem(GpuBuild, _ => false)!;

        var positions = CudaSupport.Libraries.Select(l => problem.IndexOf(l.Library, StringComparison.Ordinal)).ToList();
        Assert.IsTrue(positions.All(p => p >= 0), problem);
        CollectionAssert.AreEqual(positions.Order().ToList(), positions, problem);
        StringAssert.Contains(problem, "libcuda.so.1 (NVIDIA driver)");
        StringAssert.Contains(problem, "libcudnn.so.9 (cuDNN 9)");
    }

    [TestMethod]
    public void The_probe_asks_for_every_library_the_cuda_provider_links()
    {
        var asked = new List<string>();
        CudaSupport.FindProblem(GpuBuild, library => { asked.Add(library); return true; });

        // readelf -d libonnxruntime_providers_cuda.so (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0), plus cuDNN.
        CollectionAssert.IsSubsetOf(
            new[] { "libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9" }, asked);
    }

    [TestMethod]
    public void With_every_library_present_there_is_no_problem()
    {
        Assert.IsNull(CudaSupport.FindProblem(GpuBuild, _ => true));
    }

    [TestMethod]
    public void This_machines_onnx_runtime_is_the_cpu_build()
    {
        // The tests build against the default flavour; the CUDA flavour is checked by scripts/gpu-check.sh.
        var e = Assert.ThrowsExactly<CalibException>(CudaSupport.EnsureAvailable);
        StringAssert.Contains(e.Message, "this is the CPU build");
    }
}
