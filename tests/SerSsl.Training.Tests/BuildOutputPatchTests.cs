using SerSsl.Build;
using SerSsl.Training.Diagnostics;

namespace SerSsl.Training.Tests;

/// <summary>The TorchSharp load fix (build/TorchSharpNativeFix.targets) as seen in this test project's own build output.</summary>
public sealed class BuildOutputPatchTests
{
    [Fact]
    public void OutputCopy_PatchedExactlyWhenSystemLibStdCxxLacksTheVersion()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();
        var output = TorchSharpNativeFiles.RequireOutputCopy();
        Assert.SkipWhen(
            TorchSharpNativeFiles.BuildSetting("SerSslSkipTorchSharpFix") == "true",
            "This build ran with SerSslSkipTorchSharpFix=true.");
        var image = ElfImage.Load(output);
        var expectPatched = TorchSharpNativeFiles.BuildSetting("SerSslForceTorchSharpFix") == "true"
            || !TorchSharpNativeFiles.SystemProvidesRequiredVersion(image.Machine);

        var need = image.ReadVersionNeeds()?.SingleOrDefault(n => n.Version == NativeLibraryCheck.RequiredVersion);
        var originalBytes = File.ReadAllBytes(original);
        var outputBytes = File.ReadAllBytes(output);

        Assert.NotNull(need);
        Assert.Equal(NativeLibraryCheck.LibStdCxx, need.File);
        if (expectPatched)
        {
            Assert.True(need.IsWeak, $"{output} should have its {NativeLibraryCheck.RequiredVersion} requirement marked weak: the system libstdc++ lacks it.");
            Assert.Equal(originalBytes.Length, outputBytes.Length);
            var differing = Enumerable.Range(0, originalBytes.Length).Where(i => originalBytes[i] != outputBytes[i]).ToList();
            Assert.All(differing, i => Assert.InRange(i, need.FlagsOffset, need.FlagsOffset + 1));
        }
        else
        {
            Assert.False(need.IsWeak);
            Assert.Equal(originalBytes, outputBytes);
        }
    }

    [Fact]
    public void PackageOriginal_NeverModifiedByTheBuild()
    {
        var original = TorchSharpNativeFiles.RequirePackageOriginal();

        var need = ElfImage.Load(original).ReadVersionNeeds()?.SingleOrDefault(n => n.Version == NativeLibraryCheck.RequiredVersion);

        Assert.NotNull(need);
        Assert.False(need.IsWeak, $"{original} in the NuGet cache has been modified: restore it (delete the package folder and restore again).");
    }
}
