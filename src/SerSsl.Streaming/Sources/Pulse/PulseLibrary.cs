using System.Runtime.InteropServices;

namespace SerSsl.Streaming.Sources.Pulse;

/// <summary>
/// Checks once per process that the PulseAudio client libraries load, so that a machine without them gets a message
/// naming the library and the package to install instead of a <see cref="DllNotFoundException"/>.
/// </summary>
internal static class PulseLibrary
{
    /// <summary>The Debian and Ubuntu package that ships both client libraries.</summary>
    public const string DebianPackage = "libpulse0";

    private static readonly Lazy<string?> s_problem =
        new(() => FindMissing(PulseNative.CoreLibrary, PulseNative.SimpleLibrary), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Throws unless both libraries load.</summary>
    /// <exception cref="AudioSourceException">A library is missing; the message names it and the package to install.</exception>
    public static void EnsureAvailable()
    {
        if (s_problem.Value is { } problem)
        {
            throw new AudioSourceException(problem);
        }
    }

    /// <summary>
    /// Loads each library by name (the handles stay loaded for the P/Invoke calls that follow) and describes the first
    /// one that does not load; null when all load.
    /// </summary>
    /// <param name="libraryNames">The sonames to load, in order.</param>
    public static string? FindMissing(params ReadOnlySpan<string> libraryNames)
    {
        foreach (var name in libraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out _))
            {
                return MissingMessage(name);
            }
        }

        return null;
    }

    /// <summary>The message for a library that does not load.</summary>
    /// <param name="libraryName">The soname that did not load.</param>
    public static string MissingMessage(string libraryName) =>
        $"The PulseAudio client library {libraryName} was not found, so the microphone cannot be used. " +
        $"Install it (Debian/Ubuntu: sudo apt-get install {DebianPackage}; Fedora: sudo dnf install pulseaudio-libs) and try again.";
}
