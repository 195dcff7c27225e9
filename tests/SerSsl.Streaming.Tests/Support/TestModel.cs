using SerSsl.Core.Models;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Support;

/// <summary>The model bundle the streaming tests run: the repository's bundled default model.</summary>
internal static class TestModel
{
    /// <summary>Overrides the bundle folder (to test another export).</summary>
    public const string EnvironmentVariable = "SERS_TEST_MODEL";

    /// <summary>The bundle folder.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : Path.Combine(RepoPaths.Root, "models", "default");

    private static readonly Lazy<ModelBundle> s_bundle = new(() => ModelBundle.Load(Directory));

    /// <summary>The loaded bundle: read and checked once per test assembly (a bundle is immutable), shared by every test.</summary>
    public static ModelBundle Load() => s_bundle.Value;

    /// <summary>The synthetic demo recording (16 kHz mono, about 20 s).</summary>
    public static string DemoRecording => Path.Combine(RepoPaths.Root, "samples", "demo.wav");

    /// <summary>Copies the bundle into a new folder so a test can damage it.</summary>
    public static string CopyTo(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        foreach (var file in System.IO.Directory.GetFiles(Directory))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        return directory;
    }
}
