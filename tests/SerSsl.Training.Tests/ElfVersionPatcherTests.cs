using System.Diagnostics;
using SerSsl.Build;
using SerSsl.TestSupport;
using SerSsl.Training.Diagnostics;

namespace SerSsl.Training.Tests;

public sealed class ElfVersionPatcherTests : IDisposable
{
    private const string Required = NativeLibraryCheck.RequiredVersion;
    private const string LibStdCxx = NativeLibraryCheck.LibStdCxx;

    private readonly List<string> _temporaryDirectories = [];

    public void Dispose()
    {
        foreach (var directory in _temporaryDirectories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ReadVersionNeeds_PackageOriginal_NeedsRequiredVersionStrongFromLibStdCxx()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();

        var needs = ElfImage.Load(original).ReadVersionNeeds();

        Assert.NotNull(needs);
        var need = Assert.Single(needs, n => n.Version == Required);
        Assert.Equal(LibStdCxx, need.File);
        Assert.False(need.IsWeak);
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version == "GLIBC_2.2.5");
    }

    [Fact]
    public void MakeVersionNeedWeak_CopyOfPackageOriginal_SetsOnlyTheWeakBit()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();
        var copy = CopyToTemp(original);
        var before = ElfImage.Load(copy).ReadVersionNeeds()!;

        var outcome = ElfVersionPatcher.MakeVersionNeedWeak(copy, LibStdCxx, Required);

        Assert.Equal(WeakPatchOutcome.Patched, outcome);
        var after = ElfImage.Load(copy).ReadVersionNeeds()!;
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.Equal((before[i].File, before[i].Version), (after[i].File, after[i].Version));
            var expected = before[i].Version == Required ? (ushort)(before[i].Flags | ElfImage.VerFlagWeak) : before[i].Flags;
            Assert.Equal(expected, after[i].Flags);
        }

        var offset = before.Single(n => n.Version == Required).FlagsOffset;
        AssertIdenticalExcept(File.ReadAllBytes(original), File.ReadAllBytes(copy), offset, 2);
    }

    [Fact]
    public void MakeVersionNeedWeak_SecondRun_AlreadyWeakAndByteIdentical()
    {
        var copy = CopyToTemp(TorchSharpNativeFiles.RequirePackageOriginal());
        Assert.Equal(WeakPatchOutcome.Patched, ElfVersionPatcher.MakeVersionNeedWeak(copy, LibStdCxx, Required));
        var once = File.ReadAllBytes(copy);
        var writeTime = File.GetLastWriteTimeUtc(copy);

        var outcome = ElfVersionPatcher.MakeVersionNeedWeak(copy, LibStdCxx, Required);

        Assert.Equal(WeakPatchOutcome.AlreadyWeak, outcome);
        Assert.Equal(once, File.ReadAllBytes(copy));
        Assert.Equal(writeTime, File.GetLastWriteTimeUtc(copy));
    }

    [Fact]
    public void MakeVersionNeedWeak_HardLinkToCache_ReplacesLinkAndLeavesCacheFileUntouched()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();
        var cacheFile = CopyToTemp(original);
        var output = Path.Combine(Path.GetDirectoryName(cacheFile)!, "output.so");
        RunTool("ln", cacheFile, output);
        Assert.Equal(File.ReadAllBytes(cacheFile), File.ReadAllBytes(output));

        var outcome = ElfVersionPatcher.MakeVersionNeedWeak(output, LibStdCxx, Required);

        Assert.Equal(WeakPatchOutcome.Patched, outcome);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(cacheFile));
        Assert.True(ElfImage.Load(output).ReadVersionNeeds()!.Single(n => n.Version == Required).IsWeak);
    }

    [Fact]
    public void MakeVersionNeedWeak_SymbolicLinkToCache_ReplacesLinkNotTarget()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();
        var cacheFile = CopyToTemp(original);
        var output = Path.Combine(Path.GetDirectoryName(cacheFile)!, "output.so");
        File.CreateSymbolicLink(output, cacheFile);

        var outcome = ElfVersionPatcher.MakeVersionNeedWeak(output, LibStdCxx, Required);

        Assert.Equal(WeakPatchOutcome.Patched, outcome);
        Assert.Null(new FileInfo(output).LinkTarget);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(cacheFile));
        Assert.True(ElfImage.Load(output).ReadVersionNeeds()!.Single(n => n.Version == Required).IsWeak);
    }

    [Fact]
    public void MakeVersionNeedWeak_LibraryWithoutTheRequirement_ReturnsNotNeededAndLeavesFile()
    {
        var library = CopyToTemp(TorchSharpNativeFiles.RequireLibtorchLibrary("libc10.so"));
        var before = File.ReadAllBytes(library);

        var outcome = ElfVersionPatcher.MakeVersionNeedWeak(library, LibStdCxx, Required);

        Assert.Equal(WeakPatchOutcome.NotNeeded, outcome);
        Assert.Equal(before, File.ReadAllBytes(library));
    }

    [Fact]
    public void MakeVersionNeedWeak_NotAnElfFile_ThrowsNamingFileOffsetAndField()
    {
        var path = Path.Combine(NewTemporaryDirectory(), "libLibTorchSharp.so");
        File.WriteAllBytes(path, new byte[128]);

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MakeVersionNeedWeak(path, LibStdCxx, Required));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("byte offset 0 (e_ident)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TruncatedSectionHeaders_ThrowsInvalidData()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();
        var head = File.ReadAllBytes(original).AsSpan(0, 4096).ToArray();

        var e = Assert.Throws<InvalidDataException>(() => ElfImage.Parse("truncated.so", head));

        Assert.Contains("e_shoff", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadVersionDefinitions_SystemLibStdCxx_DefinesBaseVersionsAndReportsHighest()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux only.");
        var system = ElfVersionPatcher.FindSystemLibrary(LibStdCxx, ElfImage.MachineAmd64);
        Assert.SkipWhen(system is null, "No x86-64 libstdc++.so.6 on this system.");

        var definitions = ElfImage.Load(system!).ReadVersionDefinitions();

        Assert.Contains("GLIBCXX_3.4", definitions);
        Assert.Contains("CXXABI_1.3", definitions);
        var highest = ElfVersionPatcher.HighestVersion(definitions, "GLIBCXX_");
        Assert.NotNull(highest);
        Assert.StartsWith("GLIBCXX_3.4.", highest, StringComparison.Ordinal);
        var patch = int.Parse(highest["GLIBCXX_3.4.".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(patch >= 32, definitions.Contains(Required));
    }

    [Theory]
    [InlineData(new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4.29", "CXXABI_1.3.13" }, "GLIBCXX_3.4.30")]
    [InlineData(new[] { "GLIBCXX_3.4.32", "GLIBCXX_3.4.4", "GLIBCXX_LDBL_3.4" }, "GLIBCXX_3.4.32")]
    [InlineData(new[] { "CXXABI_1.3" }, null)]
    public void HighestVersion_MixedNames_ComparesNumerically(string[] names, string? expected) =>
        Assert.Equal(expected, ElfVersionPatcher.HighestVersion(names, "GLIBCXX_"));

    private string NewTemporaryDirectory()
    {
        var directory = RepoPaths.NewTempDirectory("elf");
        _temporaryDirectories.Add(directory);
        return directory;
    }

    private string CopyToTemp(string path)
    {
        var copy = Path.Combine(NewTemporaryDirectory(), Path.GetFileName(path));
        File.Copy(path, copy);
        return copy;
    }

    private static void AssertIdenticalExcept(byte[] expected, byte[] actual, long offset, int length)
    {
        Assert.Equal(expected.Length, actual.Length);
        var differing = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).ToList();
        Assert.NotEmpty(differing);
        Assert.All(differing, i => Assert.InRange(i, offset, offset + length - 1));
    }

    private static void RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
