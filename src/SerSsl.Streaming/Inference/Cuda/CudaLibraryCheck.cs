using System.Runtime.InteropServices;

namespace SerSsl.Streaming.Inference.Cuda;

/// <summary>
/// Before ONNX Runtime loads its CUDA execution provider, finds which of the provider's native libraries this host
/// cannot load and says, in one message, what is missing (the NVIDIA driver, the CUDA runtime libraries, cuDNN) and
/// what to install, instead of ONNX Runtime's raw <c>dlopen</c> error.
/// </summary>
/// <remarks>
/// The libraries come from the provider's own <c>DT_NEEDED</c> entries (<see cref="ElfDependencies"/>), so the check
/// follows whatever CUDA version a later ONNX Runtime package links against; cuDNN, which the provider opens at run
/// time rather than linking, is added by name (<see cref="CudnnLibrary"/>).
/// </remarks>
internal static class CudaLibraryCheck
{
    /// <summary>The file name of ONNX Runtime's CUDA execution provider on Linux.</summary>
    public const string ProviderLibraryName = "libonnxruntime_providers_cuda.so";

    /// <summary>
    /// cuDNN, which the CUDA provider of ONNX Runtime 1.2x-1.3x opens at run time (it is not among the provider's
    /// <c>DT_NEEDED</c> entries); the major version follows ONNX Runtime's CUDA build requirements.
    /// </summary>
    public const string CudnnLibrary = "libcudnn.so.9";

    /// <summary>
    /// Checks that the CUDA provider found beside the application can load everything it needs.
    /// </summary>
    /// <param name="device">The CUDA device asked for (named in the message).</param>
    /// <param name="baseDirectory">The application's directory (<see cref="AppContext.BaseDirectory"/>).</param>
    /// <returns>
    /// The message of <see cref="DescribeMissing"/> when libraries are missing; null when none are, or when the check
    /// cannot tell (no provider library found there, or one it cannot read), in which case ONNX Runtime's own error
    /// stands.
    /// </returns>
    public static string? Check(InferenceDevice device, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(device);
        var provider = FindProvider(baseDirectory);
        if (provider is null)
        {
            return null;
        }

        ElfDynamicInfo dependencies;
        try
        {
            dependencies = ElfDependencies.Read(provider);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }

        var missing = FindMissing(provider, dependencies, TryLoad);
        return missing.Count == 0 ? null : DescribeMissing(device, provider, dependencies.Needed, missing);
    }

    /// <summary>Looks for the CUDA provider library beside the application, where the GPU package puts it.</summary>
    /// <param name="baseDirectory">The application's directory (<see cref="AppContext.BaseDirectory"/>).</param>
    /// <returns>The provider's path, or null when it is in none of the usual places.</returns>
    public static string? FindProvider(string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        var architecture = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        string[] candidates =
        [
            Path.Combine(baseDirectory, ProviderLibraryName),
            Path.Combine(baseDirectory, "runtimes", $"linux-{architecture}", "native", ProviderLibraryName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Finds the libraries of <paramref name="dependencies"/> (plus <see cref="CudnnLibrary"/>) that cannot be loaded.
    /// Each is tried by name (the loader's usual search: <c>LD_LIBRARY_PATH</c>, the <c>ldconfig</c> cache, the
    /// default directories), then in each run-path directory of the provider, <c>$ORIGIN</c> being the provider's own.
    /// </summary>
    /// <param name="providerPath">The provider library the dependencies were read from.</param>
    /// <param name="dependencies">Its dynamic section.</param>
    /// <param name="tryLoad">Loads a library by name or path and reports whether it could (<see cref="TryLoad"/> in production).</param>
    /// <returns>The names that none of those attempts could load, in the provider's order, cuDNN last.</returns>
    public static IReadOnlyList<string> FindMissing(string providerPath, ElfDynamicInfo dependencies, Func<string, bool> tryLoad)
    {
        ArgumentNullException.ThrowIfNull(providerPath);
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(tryLoad);
        var origin = Path.GetDirectoryName(Path.GetFullPath(providerPath)) ?? ".";
        var directories = dependencies.RunPath
            .Select(d => d.Replace("$ORIGIN", origin, StringComparison.Ordinal).Replace("${ORIGIN}", origin, StringComparison.Ordinal))
            .Append(origin)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var names = dependencies.Needed.Contains(CudnnLibrary, StringComparer.Ordinal)
            ? dependencies.Needed
            : [.. dependencies.Needed, CudnnLibrary];
        var missing = new List<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (tryLoad(name))
            {
                continue;
            }

            var found = directories
                .Select(d => Path.Combine(d, name))
                .Any(candidate => File.Exists(candidate) && tryLoad(candidate));
            if (!found)
            {
                missing.Add(name);
            }
        }

        return missing;
    }

    /// <summary>Loads a native library with the process's loader and unloads it again.</summary>
    /// <param name="nameOrPath">A library name such as <c>libcudart.so.13</c>, or a path.</param>
    /// <returns>True when the loader could load it (and everything it needs in turn).</returns>
    public static bool TryLoad(string nameOrPath)
    {
        if (!NativeLibrary.TryLoad(nameOrPath, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>
    /// Builds the one message for <c>--device cuda</c> when libraries are missing: what is missing, grouped as the
    /// NVIDIA driver, the CUDA runtime libraries and cuDNN (and any other library), what to install for each, and
    /// <c>--device cpu</c> as the way round.
    /// </summary>
    /// <param name="device">The device asked for.</param>
    /// <param name="providerPath">The CUDA provider library.</param>
    /// <param name="needed">All of the provider's <c>DT_NEEDED</c> entries (the CUDA major version is read from <c>libcudart.so.N</c>).</param>
    /// <param name="missing">The libraries that cannot be loaded; must not be empty.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentException"><paramref name="missing"/> is empty.</exception>
    public static string DescribeMissing(InferenceDevice device, string providerPath, IReadOnlyList<string> needed, IReadOnlyList<string> missing)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(providerPath);
        ArgumentNullException.ThrowIfNull(needed);
        ArgumentNullException.ThrowIfNull(missing);
        if (missing.Count == 0)
        {
            throw new ArgumentException("There is nothing missing to describe.", nameof(missing));
        }

        var cuda = MajorVersion(needed.Concat(missing), "libcudart.so.") is { } cudaMajor ? $"CUDA {cudaMajor}" : "CUDA";
        var driver = missing.Where(IsDriver).ToArray();
        var cudnn = missing.Where(n => n.StartsWith("libcudnn", StringComparison.Ordinal)).ToArray();
        var runtime = missing.Where(n => !IsDriver(n) && !cudnn.Contains(n) && IsCudaRuntime(n)).ToArray();
        var other = missing.Except(driver).Except(cudnn).Except(runtime).ToArray();

        var parts = new List<string>();
        if (driver.Length > 0)
        {
            parts.Add($"the NVIDIA driver ({string.Join(", ", driver)}; install the NVIDIA driver, which needs an NVIDIA GPU: nvidia-smi lists the GPUs once it works)");
        }

        if (runtime.Length > 0)
        {
            parts.Add($"the {cuda} runtime libraries ({string.Join(", ", runtime)}; install the {cuda} toolkit or its runtime libraries)");
        }

        if (cudnn.Length > 0)
        {
            var cudnnName = MajorVersion(cudnn, "libcudnn.so.") is { } cudnnMajor ? $"cuDNN {cudnnMajor}" : "cuDNN";
            parts.Add($"{cudnnName} ({string.Join(", ", cudnn)}; install {cudnnName} for {cuda})");
        }

        if (other.Length > 0)
        {
            parts.Add($"other libraries ({string.Join(", ", other)})");
        }

        return $"--device {device} cannot run on this host: ONNX Runtime's CUDA provider ({providerPath}) needs libraries the loader cannot find: "
            + string.Join("; ", parts)
            + ". Put them where the loader finds them (ldconfig or LD_LIBRARY_PATH) and run again, or use --device cpu.";
    }

    private static bool IsDriver(string name) =>
        name.StartsWith("libcuda.so", StringComparison.Ordinal) || name.StartsWith("libnvidia-", StringComparison.Ordinal);

    private static bool IsCudaRuntime(string name) =>
        name.StartsWith("libcu", StringComparison.Ordinal) || name.StartsWith("libnv", StringComparison.Ordinal);

    private static string? MajorVersion(IEnumerable<string> names, string prefix) =>
        names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n[prefix.Length..].Split('.')[0])
            .FirstOrDefault(v => v.Length > 0 && v.All(char.IsAsciiDigit));
}
