using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace SerSsl.Training.Diagnostics;

/// <summary>The process's resident memory, managed and native (libtorch) together, as the operating system counts it.</summary>
internal static partial class ProcessMemory
{
    /// <summary>
    /// Gives memory that is no longer used back to the operating system: a full, compacting garbage collection
    /// (large object heap included), then, on Linux with glibc, <c>malloc_trim</c>, which returns the free pages of
    /// the native heaps libtorch allocates from. Called at points where much was just freed (after a split's tensors
    /// are built, after each epoch), not per batch.
    /// </summary>
    public static void Release()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl, for one): nothing to trim.
            }
        }
    }

    /// <summary>The peak resident set size so far (Linux <c>VmHWM</c>), or the peak working set elsewhere; null when unknown.</summary>
    public static long? PeakResidentBytes()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                        && long.TryParse(line[6..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                    {
                        return kib * 1024;
                    }
                }
            }

            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return process.PeakWorkingSet64;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The current resident set size (Linux <c>VmRSS</c>), or the working set elsewhere; null when unknown.</summary>
    public static long? ResidentBytes()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal)
                        && long.TryParse(line[6..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                    {
                        return kib * 1024;
                    }
                }
            }

            using var process = System.Diagnostics.Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Resident and managed memory now, for progress lines: <c>memory 1.20 GB (managed 0.80 GB)</c>.</summary>
    public static string Summary() =>
        $"memory {Describe(ResidentBytes())} (managed {Describe(GC.GetTotalMemory(forceFullCollection: false))})";

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    /// <summary>A byte count as "1.23 GB", or "unknown".</summary>
    public static string Describe(long? bytes) =>
        bytes is long b ? string.Create(CultureInfo.InvariantCulture, $"{b / 1e9:F2} GB") : "unknown";
}
