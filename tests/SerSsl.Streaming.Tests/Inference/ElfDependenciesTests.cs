using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SerSsl.Streaming.Inference.Cuda;

namespace SerSsl.Streaming.Tests.Inference;

public sealed partial class ElfDependenciesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("serssl-elf-").FullName;

    /// <summary>The CPU build's libonnxruntime.so copied into the test output: a real shared library on every machine that runs the tests.</summary>
    private static string OnnxRuntimeLibrary
    {
        get
        {
            var architecture = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
            return Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{architecture}", "native", "libonnxruntime.so");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Read_OnnxRuntimeLibrary_ListsTheCAndCppRuntimesOnce()
    {
        Assert.SkipUnless(File.Exists(OnnxRuntimeLibrary), $"{OnnxRuntimeLibrary} is not in the test output (not a Linux build)");

        var info = ElfDependencies.Read(OnnxRuntimeLibrary);

        Assert.Contains("libc.so.6", info.Needed);
        Assert.Contains("libstdc++.so.6", info.Needed);
        Assert.Equal(info.Needed.Count, info.Needed.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(RealElfFiles))]
    public void Read_RealElfFile_MatchesReadelf(string path)
    {
        Assert.SkipUnless(File.Exists(path), $"{path} does not exist here");
        var expected = Readelf(path);
        Assert.SkipWhen(expected is null, "readelf (binutils) is not installed");

        var info = ElfDependencies.Read(path);

        Assert.Equal(expected.Value.Needed, info.Needed);
        Assert.Equal(expected.Value.RunPath, info.RunPath);
        Assert.Equal(info.Needed, ElfDependencies.ReadNeeded(path));
        Assert.Contains(info.Needed, n => n.StartsWith("libc.so", StringComparison.Ordinal));
    }

    public static TheoryData<string> RealElfFiles() => new(OnnxRuntimeLibrary, "/bin/ls");

    [Fact]
    public void Read_TruncatedLibrary_ThrowsNamingTheFileAndTruncation()
    {
        Assert.SkipUnless(File.Exists(OnnxRuntimeLibrary), $"{OnnxRuntimeLibrary} is not in the test output");
        var path = Path.Combine(_directory, "truncated.so");
        var head = new byte[4096];
        using (var source = File.OpenRead(OnnxRuntimeLibrary))
        {
            source.ReadExactly(head);
        }

        File.WriteAllBytes(path, head);

        var ex = Assert.Throws<InvalidDataException>(() => ElfDependencies.Read(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ShorterThanTheHeader_ThrowsTruncated()
    {
        var path = Path.Combine(_directory, "short.so");
        File.WriteAllBytes(path, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);

        var ex = Assert.Throws<InvalidDataException>(() => ElfDependencies.Read(path));

        Assert.Contains("truncated: 8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("#!/bin/sh\necho this is a script, not a library\n")]
    public void Read_NotAnElfFile_ThrowsNotElf(string content)
    {
        var path = Path.Combine(_directory, "text.so");
        File.WriteAllText(path, content, Encoding.ASCII);

        var ex = Assert.Throws<InvalidDataException>(() => ElfDependencies.Read(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an ELF file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Elf32File_ThrowsNot64Bit()
    {
        var path = Path.Combine(_directory, "elf32.so");
        var header = new byte[64];
        "\u007fELF"u8.CopyTo(header);
        header[4] = 1;
        header[5] = 1;
        File.WriteAllBytes(path, header);

        var ex = Assert.Throws<InvalidDataException>(() => ElfDependencies.Read(path));

        Assert.Contains("not ELFCLASS64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => ElfDependencies.Read(Path.Combine(_directory, "absent.so")));
    }

    /// <summary>The NEEDED names and the RUNPATH (else RPATH) directories <c>readelf -d</c> prints, or null without readelf.</summary>
    private static (string[] Needed, string[] RunPath)? Readelf(string path)
    {
        var start = new ProcessStartInfo("readelf", ["-d", "-W", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        using (process)
        {
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                return null;
            }

            string[] needed = [.. NeededLine().Matches(output).Select(m => m.Groups[1].Value)];
            var runPath = RunPathLine().Match(output) is { Success: true } r ? r : RPathLine().Match(output);
            string[] directories = runPath.Success ? runPath.Groups[1].Value.Split(':', StringSplitOptions.RemoveEmptyEntries) : [];
            return (needed, directories);
        }
    }

    [GeneratedRegex(@"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")]
    private static partial Regex NeededLine();

    [GeneratedRegex(@"\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]")]
    private static partial Regex RunPathLine();

    [GeneratedRegex(@"\(RPATH\)\s+Library rpath: \[([^\]]*)\]")]
    private static partial Regex RPathLine();
}
