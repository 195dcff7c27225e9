using System.Runtime.InteropServices;
using SerSsl.Build;

namespace SerSsl.Training.Diagnostics;

/// <summary>
/// What can be learnt about TorchSharp's native glue without loading it: where the application's copy of
/// <c>libLibTorchSharp.so</c> is, whether its <c>GLIBCXX_3.4.32</c> requirement is weak (the build's load fix,
/// docs/adr/0003-torchsharp-load-fix.md), and what the system libstdc++ defines. Linux only; elsewhere every
/// field is null.
/// </summary>
internal sealed class NativeLibraryCheck
{
    /// <summary>The native glue's file name.</summary>
    public const string LibraryFileName = "libLibTorchSharp.so";

    /// <summary>The libstdc++ version that TorchSharp 0.107's glue needs for one never-called marker symbol.</summary>
    public const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>The library the version is needed from.</summary>
    public const string LibStdCxx = "libstdc++.so.6";

    private NativeLibraryCheck()
    {
    }

    /// <summary>The application's copy of the glue, or null when none was found beside the application.</summary>
    public string? LibraryPath { get; private init; }

    /// <summary>Whether the copy needs <see cref="RequiredVersion"/> from libstdc++; null when unknown.</summary>
    public bool? NeedsRequiredVersion { get; private init; }

    /// <summary>Whether that requirement is marked weak; null when unknown or not needed.</summary>
    public bool? RequirementIsWeak { get; private init; }

    /// <summary>The system libstdc++ the process uses, or null when not found.</summary>
    public string? SystemLibStdCxxPath { get; private init; }

    /// <summary>The highest <c>GLIBCXX_</c> version the system libstdc++ defines.</summary>
    public string? SystemHighestVersion { get; private init; }

    /// <summary>Whether the system libstdc++ defines <see cref="RequiredVersion"/>; null when unknown.</summary>
    public bool? SystemProvidesRequiredVersion { get; private init; }

    /// <summary>A problem met while reading either file, or null.</summary>
    public string? Problem { get; private init; }

    /// <summary>Inspects the application folder <paramref name="baseDirectory"/> and the system libstdc++.</summary>
    public static NativeLibraryCheck Inspect(string baseDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new NativeLibraryCheck();
        }

        var library = FindLibrary(baseDirectory);
        try
        {
            bool? needs = null;
            bool? weak = null;
            var machine = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? ElfImage.MachineArm64 : ElfImage.MachineAmd64;
            if (library is not null)
            {
                var image = ElfImage.Load(library);
                machine = image.Machine;
                var need = image.ReadVersionNeeds()?.FirstOrDefault(n => n.File == LibStdCxx && n.Version == RequiredVersion);
                needs = need is not null;
                weak = need?.IsWeak;
            }

            var system = ElfVersionPatcher.FindSystemLibrary(LibStdCxx, machine);
            var definitions = system is null ? null : ElfImage.Load(system).ReadVersionDefinitions();
            return new NativeLibraryCheck
            {
                LibraryPath = library,
                NeedsRequiredVersion = needs,
                RequirementIsWeak = weak,
                SystemLibStdCxxPath = system,
                SystemHighestVersion = definitions is null ? null : ElfVersionPatcher.HighestVersion(definitions, "GLIBCXX_"),
                SystemProvidesRequiredVersion = definitions?.Contains(RequiredVersion),
            };
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return new NativeLibraryCheck { LibraryPath = library, Problem = e.Message };
        }
    }

    /// <summary>
    /// Paths of mapped files in this process whose name ends with <paramref name="fileName"/>
    /// (from <c>/proc/self/maps</c>); empty where that file does not exist.
    /// </summary>
    public static IReadOnlyList<string> LoadedPaths(string fileName)
    {
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps))
        {
            return [];
        }

        return File.ReadLines(Maps)
            .Select(line => line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? line[slash..].Trim() : null)
            .Where(path => path is not null && Path.GetFileName(path) == fileName)
            .Select(path => path!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static string? FindLibrary(string baseDirectory)
    {
        var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] candidates =
        [
            Path.Combine(baseDirectory, LibraryFileName),
            Path.Combine(baseDirectory, "runtimes", rid, "native", LibraryFileName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }
}
