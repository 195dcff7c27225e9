using Xunit;

namespace SerSsl.TestSupport;

/// <summary>Locates the repository root and the optional shared data folder beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder that holds <c>SerSsl.sln</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>
    /// The shared folder: <c>SERSSL_SHARED</c> when set, else <c>../shared</c> beside the repository.
    /// Null when it does not exist.
    /// </summary>
    public static string? Shared
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("SERSSL_SHARED");
            var candidate = string.IsNullOrEmpty(fromEnv)
                ? Path.GetFullPath(Path.Combine(Root, "..", "shared"))
                : Path.GetFullPath(fromEnv);
            return Directory.Exists(candidate) ? candidate : null;
        }
    }

    /// <summary>The CREMA-D metadata folder in the shared data, or a skip of the calling test when absent.</summary>
    public static string RequireCremaDMetadata()
    {
        var shared = Shared;
        var dir = shared is null ? null : Path.Combine(shared, "datasets", "crema-d");
        if (dir is null || !File.Exists(Path.Combine(dir, "SentenceFilenames.csv")))
        {
            Assert.Skip("CREMA-D metadata not found: this test needs ../shared/datasets/crema-d beside the repository (or SERSSL_SHARED pointing at a shared folder).");
        }

        return dir!;
    }

    /// <summary>The CREMA-D folder of the shared data with its Ogg Opus audio, or a skip of the calling test when absent.</summary>
    public static string RequireCremaDAudio()
    {
        var dir = RequireCremaDMetadata();
        if (!Directory.Exists(Path.Combine(dir, "AudioOpus")))
        {
            Assert.Skip($"CREMA-D audio not found: this test needs {Path.Combine(dir, "AudioOpus")} (the Ogg Opus copy of the clips).");
        }

        return dir;
    }

    /// <summary>The VAVL fold folder of the shared CREMA-D data, or a skip of the calling test when absent.</summary>
    public static string RequireVavlFolds()
    {
        var dir = Path.Combine(RequireCremaDMetadata(), "folds", "vavl");
        if (!File.Exists(Path.Combine(dir, "label_consensus_1.csv")))
        {
            Assert.Skip($"VAVL folds not found: this test needs {dir}/label_consensus_1.csv to label_consensus_5.csv.");
        }

        return dir;
    }

    /// <summary>A fresh, empty temporary folder for one test.</summary>
    public static string NewTempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "serssl-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SerSsl.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"SerSsl.sln not found above {AppContext.BaseDirectory}.");
    }
}
