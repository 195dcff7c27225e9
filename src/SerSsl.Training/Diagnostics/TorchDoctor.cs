using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace SerSsl.Training.Diagnostics;

/// <summary>
/// <c>sers-train doctor</c>: reports the TorchSharp and libtorch versions, the native glue and the system
/// libstdc++ it needs, whether the native backend loads, the device and thread count, and runs
/// <see cref="TorchSmokeTest"/>. Everything that touches <see cref="torch"/> sits behind a non-inlined method
/// so that a failing native load surfaces inside the handler here.
/// </summary>
internal sealed class TorchDoctor
{
    private const int LabelWidth = 18;
    private const double RequiredLossFraction = 0.5;

    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly bool _verbose;

    /// <summary>Creates a doctor writing its report to <paramref name="output"/> and failures to <paramref name="error"/>.</summary>
    /// <param name="output">Report lines.</param>
    /// <param name="error">Failure explanations.</param>
    /// <param name="verbose">Also print TorchSharp's native load trace when the load fails.</param>
    /// <exception cref="ArgumentNullException">A writer is null.</exception>
    public TorchDoctor(TextWriter output, TextWriter error, bool verbose = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        _output = output;
        _error = error;
        _verbose = verbose;
    }

    /// <summary>Runs every check; returns the process exit code (0 when all passed).</summary>
    /// <param name="smokeTest">The tiny training run to perform.</param>
    /// <param name="deviceName"><c>cpu</c> or <c>cuda</c>: where the smoke test runs.</param>
    public int Run(TorchSmokeTest smokeTest, string deviceName)
    {
        ArgumentNullException.ThrowIfNull(smokeTest);
        _output.WriteLine("sers-train doctor");
        Line("TorchSharp", InformationalVersion(typeof(torch).Assembly));
        Line(".NET", $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})");

        var native = NativeLibraryCheck.Inspect(AppContext.BaseDirectory);
        ReportNativeFiles(native);

        // TorchSharp prints its whole load trace to the console when the load fails; keep it for --verbose.
        string libtorchVersion;
        var console = Console.Out;
        using var trace = new StringWriter(CultureInfo.InvariantCulture);
        try
        {
            Console.SetOut(trace);
            libtorchVersion = LoadBackend();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException or BadImageFormatException)
        {
            Console.SetOut(console);
            Line("native load", "FAILED");
            ExplainLoadFailure(e, native);
            if (_verbose)
            {
                _error.WriteLine("TorchSharp's load trace:");
                _error.WriteLine(trace.ToString().Trim());
            }
            else
            {
                _error.WriteLine("Run 'sers-train doctor --verbose' for TorchSharp's load trace.");
            }

            return 1;
        }
        finally
        {
            Console.SetOut(console);
        }

        Line("libtorch", libtorchVersion);
        var loaded = NativeLibraryCheck.LoadedPaths(NativeLibraryCheck.LibraryFileName);
        Line("native load", loaded.Count > 0 ? $"ok: {string.Join(", ", loaded)}" : "ok");

        var cudaAvailable = CudaAvailable();
        Line("device", $"{deviceName} (cuda available: {(cudaAvailable ? $"yes, {CudaDeviceCount()} device(s)" : "no")})");
        Line("threads", $"{Threads()} intra-op (Environment.ProcessorCount {Environment.ProcessorCount})");
        if (deviceName == "cuda" && !cudaAvailable)
        {
            _error.WriteLine("CUDA was requested but is not available: this build references the CPU libtorch (libtorch-cpu-linux-x64). Run with --device cpu.");
            return 1;
        }

        var result = RunSmokeTest(smokeTest, deviceName);
        var ok = result.LossFellBelow(RequiredLossFraction);
        Line("smoke test", string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Steps} Adam steps, 2-layer MLP on {TorchSmokeTest.Rows}x{TorchSmokeTest.Features} synthetic regression (seed {smokeTest.Seed})"));
        Line("loss", string.Create(
            CultureInfo.InvariantCulture,
            $"{result.InitialLoss:F4} -> {result.FinalLoss:F4} ({result.FinalLoss / result.InitialLoss:P1} of initial) in {result.Elapsed.TotalMilliseconds:F0} ms"));
        if (!ok)
        {
            _error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"The smoke test's loss did not fall below {RequiredLossFraction:P0} of its initial value: the native backend loads but does not train correctly on this machine."));
            return 1;
        }

        Line("result", "ok");
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string LoadBackend()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        return torch.__version__;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool CudaAvailable() => torch.cuda.is_available();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CudaDeviceCount() => torch.cuda.device_count();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Threads() => torch.get_num_threads();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TorchSmokeTestResult RunSmokeTest(TorchSmokeTest smokeTest, string deviceName) =>
        smokeTest.Run(deviceName == "cuda" ? torch.CUDA : torch.CPU);

    private static string InformationalVersion(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }

    private void ReportNativeFiles(NativeLibraryCheck native)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Line("native library", native.LibraryPath ?? $"{NativeLibraryCheck.LibraryFileName} not found beside the application");
        if (native.NeedsRequiredVersion is true)
        {
            Line(NativeLibraryCheck.RequiredVersion, native.RequirementIsWeak is true
                ? "needed, marked weak (the build's TorchSharp load fix)"
                : "needed, not weak (library as shipped)");
        }
        else if (native.NeedsRequiredVersion is false)
        {
            Line(NativeLibraryCheck.RequiredVersion, "not needed by this library");
        }

        Line("system libstdc++", native.SystemLibStdCxxPath is null
            ? "not found (ldconfig -p, standard library directories)"
            : $"{native.SystemLibStdCxxPath} (up to {native.SystemHighestVersion ?? "no GLIBCXX version"})");
        if (native.Problem is not null)
        {
            Line("native check", native.Problem);
        }
    }

    private void ExplainLoadFailure(Exception exception, NativeLibraryCheck native)
    {
        var detail = exception;
        while (detail.InnerException is not null)
        {
            detail = detail.InnerException;
        }

        _error.WriteLine($"TorchSharp's native backend failed to load: {detail.GetType().Name}: {FirstLine(detail.Message)}");
        if (native.NeedsRequiredVersion is true && native.SystemProvidesRequiredVersion is false && native.RequirementIsWeak is not true)
        {
            _error.WriteLine(
                $"Cause: {native.LibraryPath} needs {NativeLibraryCheck.RequiredVersion} from {NativeLibraryCheck.LibStdCxx}, "
                + $"but the system libstdc++ ({native.SystemLibStdCxxPath}) provides only up to {native.SystemHighestVersion}.");
            _error.WriteLine(
                "Fix: rebuild without SerSslSkipTorchSharpFix=true (e.g. 'dotnet build src/SerSsl.Training'); the build then marks that "
                + "requirement weak in the output copy. The only symbol bound to it, std::ios_base_library_init(), is never called. "
                + "Alternatively install a libstdc++ from GCC 13 or later. See docs/adr/0003-torchsharp-load-fix.md.");
        }
        else
        {
            _error.WriteLine(
                "Check that the libtorch-cpu-linux-x64 package's libraries are beside the application (runtimes/<rid>/native) and "
                + "that the system has a libstdc++ from GCC 13 or later, or that the build's TorchSharp load fix is on "
                + "(SerSslSkipTorchSharpFix must not be true). See docs/adr/0003-torchsharp-load-fix.md.");
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end >= 0 ? text[..end] : text;
    }

    private void Line(string label, string value) => _output.WriteLine($"  {label.PadRight(LabelWidth)}{value}");
}
