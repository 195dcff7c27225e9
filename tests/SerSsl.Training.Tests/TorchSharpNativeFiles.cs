using System.Reflection;
using SerSsl.Build;
using SerSsl.Training.Diagnostics;
using TorchSharp;

namespace SerSsl.Training.Tests;

/// <summary>Where the test finds TorchSharp's native glue: the package original and this build's output copy.</summary>
internal static class TorchSharpNativeFiles
{
    private const string RelativeNativePath = "runtimes/linux-x64/native/libLibTorchSharp.so";

    /// <summary>The TorchSharp package version this build references, e.g. <c>0.107.0</c>.</summary>
    public static string PackageVersion
    {
        get
        {
            var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? throw new InvalidOperationException("TorchSharp.dll has no informational version.");
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus >= 0 ? version[..plus] : version;
        }
    }

    /// <summary>A value the test project recorded at build time (see the csproj), or null.</summary>
    public static string? BuildSetting(string key) =>
        typeof(TorchSharpNativeFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;

    /// <summary>The package's untouched <c>libLibTorchSharp.so</c>, or a skip of the calling test when it is not in the NuGet cache.</summary>
    public static string RequirePackageOriginal()
    {
        SkipUnlessLinuxX64();
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var roots = new[]
        {
            Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
            BuildSetting("NuGetPackageRoot"),
            string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".nuget", "packages"),
        };
        foreach (var root in roots.Where(r => !string.IsNullOrEmpty(r)))
        {
            var candidate = Path.Combine(root!, "torchsharp", PackageVersion, RelativeNativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Skip($"TorchSharp {PackageVersion}'s {RelativeNativePath} is not in the NuGet cache (NUGET_PACKAGES, the build's NuGetPackageRoot, ~/.nuget/packages).");
        return null!;
    }

    /// <summary>A library from the libtorch package in the NuGet cache beside the TorchSharp original, or a skip.</summary>
    public static string RequireLibtorchLibrary(string fileName)
    {
        var original = RequirePackageOriginal();

        // <root>/torchsharp/<version>/runtimes/linux-x64/native/libLibTorchSharp.so -> <root>
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(original)!, "..", "..", "..", "..", ".."));
        var package = Path.Combine(root, "libtorch-cpu-linux-x64");
        var candidate = Directory.Exists(package)
            ? Directory.GetDirectories(package).Select(d => Path.Combine(d, "runtimes", "linux-x64", "native", fileName)).FirstOrDefault(File.Exists)
            : null;
        if (candidate is null)
        {
            Assert.Skip($"libtorch-cpu-linux-x64's {fileName} is not in the NuGet cache under {root}.");
        }

        return candidate!;
    }

    /// <summary>This test run's output copy of the glue.</summary>
    public static string RequireOutputCopy()
    {
        SkipUnlessLinuxX64();
        var path = Path.Combine(AppContext.BaseDirectory, RelativeNativePath);
        Assert.True(File.Exists(path), $"{path} is missing: the build should copy TorchSharp's native glue into the output.");
        return path;
    }

    /// <summary>Whether the system libstdc++ for <paramref name="machine"/> defines the version the glue needs.</summary>
    public static bool SystemProvidesRequiredVersion(ushort machine)
    {
        var system = ElfVersionPatcher.FindSystemLibrary(NativeLibraryCheck.LibStdCxx, machine);
        Assert.True(system is not null, "No system libstdc++.so.6 found (ldconfig -p, standard library directories).");
        return ElfImage.Load(system!).ReadVersionDefinitions().Contains(NativeLibraryCheck.RequiredVersion);
    }

    private static void SkipUnlessLinuxX64() =>
        Assert.SkipUnless(
            OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "The TorchSharp load fix concerns linux-x64 only.");
}
