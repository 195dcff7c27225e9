using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Inference.Cuda;

namespace SerSsl.Streaming.Tests.Inference;

public sealed class CudaLibraryCheckTests
{
    /// <summary>The DT_NEEDED entries of ONNX Runtime 1.31.0's libonnxruntime_providers_cuda.so (readelf -d).</summary>
    private static readonly string[] s_providerNeeded =
    [
        "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1",
        "libdl.so.2", "librt.so.1", "libpthread.so.0", "libstdc++.so.6", "libm.so.6", "libgcc_s.so.1", "libc.so.6",
        "ld-linux-x86-64.so.2",
    ];

    private const string Provider = "/opt/sers/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so";

    private static readonly InferenceDevice s_cuda0 = new(true, 0);

    [Fact]
    public void FindMissing_GpuLessHost_ListsCudaLibrariesAndCudnnButNotSystemOnes()
    {
        var info = new ElfDynamicInfo(s_providerNeeded, []);
        string[] system = ["libdl.so.2", "librt.so.1", "libpthread.so.0", "libstdc++.so.6", "libm.so.6", "libgcc_s.so.1", "libc.so.6", "ld-linux-x86-64.so.2"];

        var missing = CudaLibraryCheck.FindMissing(Provider, info, name => system.Contains(name));

        Assert.Equal(["libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1", "libcudnn.so.9"], missing);
    }

    [Fact]
    public void FindMissing_LibraryBesideTheProviderThroughOrigin_IsNotMissing()
    {
        var info = new ElfDynamicInfo(["libcudart.so.13", "libc.so.6"], ["$ORIGIN"]);
        var directory = Directory.CreateTempSubdirectory("serssl-cuda-").FullName;
        try
        {
            var provider = Path.Combine(directory, CudaLibraryCheck.ProviderLibraryName);
            var besideIt = Path.Combine(directory, "libcudart.so.13");
            File.WriteAllBytes(besideIt, []);
            var tried = new List<string>();

            var missing = CudaLibraryCheck.FindMissing(provider, info, name =>
            {
                tried.Add(name);
                return name == "libc.so.6" || name == besideIt;
            });

            Assert.Equal(["libcudnn.so.9"], missing);
            Assert.Contains(besideIt, tried);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void FindMissing_EverythingLoads_IsEmpty()
    {
        var missing = CudaLibraryCheck.FindMissing(Provider, new ElfDynamicInfo(s_providerNeeded, []), _ => true);

        Assert.Empty(missing);
    }

    [Fact]
    public void DescribeMissing_NothingInstalled_NamesEachGroupWhatToInstallAndTheCpuWayRound()
    {
        string[] missing = ["libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudart.so.13", "libcuda.so.1", "libcudnn.so.9"];

        var message = CudaLibraryCheck.DescribeMissing(s_cuda0, Provider, s_providerNeeded, missing);

        Assert.StartsWith("--device cuda:0 cannot run on this host", message, StringComparison.Ordinal);
        Assert.Contains(Provider, message, StringComparison.Ordinal);
        Assert.Contains("the NVIDIA driver (libcuda.so.1;", message, StringComparison.Ordinal);
        Assert.Contains("the CUDA 13 runtime libraries (libcublasLt.so.13, libcublas.so.13, libcurand.so.10, libcudart.so.13;", message, StringComparison.Ordinal);
        Assert.Contains("install the CUDA 13 toolkit", message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9 (libcudnn.so.9; install cuDNN 9 for CUDA 13)", message, StringComparison.Ordinal);
        Assert.EndsWith("or use --device cpu.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("other libraries", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeMissing_OnlyCudnn_NamesOnlyCudnn()
    {
        var message = CudaLibraryCheck.DescribeMissing(new InferenceDevice(true, 1), Provider, s_providerNeeded, ["libcudnn.so.9"]);

        Assert.StartsWith("--device cuda:1 ", message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9 (libcudnn.so.9; install cuDNN 9 for CUDA 13)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("driver", message, StringComparison.Ordinal);
        Assert.DoesNotContain("runtime libraries", message, StringComparison.Ordinal);
        foreach (var name in s_providerNeeded)
        {
            Assert.DoesNotContain(name, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DescribeMissing_FutureCudaVersionAndAnUnknownLibrary_FollowsTheNames()
    {
        string[] needed = ["libcudart.so.14", "libcublas.so.14", "libfoo.so.2", "libc.so.6"];

        var message = CudaLibraryCheck.DescribeMissing(s_cuda0, Provider, needed, ["libcublas.so.14", "libfoo.so.2", "libcudnn.so.10"]);

        Assert.Contains("the CUDA 14 runtime libraries (libcublas.so.14;", message, StringComparison.Ordinal);
        Assert.Contains("cuDNN 10 (libcudnn.so.10; install cuDNN 10 for CUDA 14)", message, StringComparison.Ordinal);
        Assert.Contains("other libraries (libfoo.so.2)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("libcudart", message, StringComparison.Ordinal);
        Assert.DoesNotContain("libc.so.6", message, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeMissing_NothingMissing_Throws()
    {
        Assert.Throws<ArgumentException>(() => CudaLibraryCheck.DescribeMissing(s_cuda0, Provider, s_providerNeeded, []));
    }

    [Fact]
    public void Check_CpuBuildOutput_HasNoProviderAndSaysNothing()
    {
        // The test project references the CPU build: no CUDA provider beside it, so the check leaves the
        // "this build has no CUDA provider" error to OnnxEmotionModel.
        Assert.Null(CudaLibraryCheck.FindProvider(AppContext.BaseDirectory));
        Assert.Null(CudaLibraryCheck.Check(s_cuda0, AppContext.BaseDirectory));
    }
}
