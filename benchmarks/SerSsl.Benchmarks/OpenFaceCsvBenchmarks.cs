using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Core.Faces;
using SerSsl.Training.Data;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Tests.Data.Unlabeled;

namespace SerSsl.Benchmarks;

/// <summary>
/// Reading an OpenFace 2.2 <c>FeatureExtraction</c> CSV from a file into an <see cref="OpenFaceTrack"/>: all 714
/// columns (gaze, eye landmarks, pose, 2D and 3D landmarks, shape parameters, AUs) with OpenFace's ", " separators,
/// written by the tests' generator. <c>Sep</c> is <see cref="OpenFaceCsvReader"/>; <c>ByteScan</c>, the baseline, is
/// the reader it replaced. 300 rows are a 10 s clip at 30 fps; 10,000 rows are 5.6 minutes of video (about 68 MB).
/// The file is written once and then read from the page cache, so this measures parsing, not the disk.
/// </summary>
[Config(typeof(Config))]
public class OpenFaceCsvBenchmarks
{
    private string _directory = "";
    private string _path = "";

    /// <summary>Video frames (CSV rows after the header).</summary>
    [Params(300, 10_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("serssl-openface-bench-").FullName;
        _path = Path.Combine(_directory, "track.csv");
        OpenFaceCsvText.WriteFile(_path, OpenFaceCsvText.FullHeader(), Rows);

        // Both readers must read what the generator wrote, or the figures mean nothing.
        Check(OpenFaceCsvReader.Read(_path));
        Check(ByteScanOpenFaceCsvReader.Read(_path));
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>The reader before it moved to Sep, on the same file (its frame count: the track type is internal).</summary>
    [Benchmark(Baseline = true)]
    public int ByteScan() => ByteScanOpenFaceCsvReader.Read(_path).FrameCount;

    /// <summary>The whole file into a track with <see cref="OpenFaceCsvReader"/>.</summary>
    [Benchmark]
    public int Sep() => OpenFaceCsvReader.Read(_path).FrameCount;

    private void Check(OpenFaceTrack track)
    {
        var last = Rows - 1;
        if (track.FrameCount != Rows
            || Math.Abs(track.Timestamps[last] - OpenFaceCsvText.Value("timestamp", last)) > 1e-9
            || track.LandmarksY[(last * OpenFaceTrack.LandmarkCount) + 67] != (float)OpenFaceCsvText.Value("y_67", last)
            || track.AuIntensity[45][last] != (float)OpenFaceCsvText.Value("AU45_r", last))
        {
            throw new InvalidOperationException("An OpenFace reader does not read back the generated file.");
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new PerSecondColumn("Rows/s", "Rows", 1, "Rows read per second of single-core run time (mean)"));
        }
    }
}
