using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Training.Data;
using SerSsl.Training.Data.Unlabeled;
using SerSsl.Training.Tests.Data.Unlabeled;

namespace SerSsl.Benchmarks;

/// <summary>
/// Reading an OpenFace 2.2 <c>FeatureExtraction</c> CSV from a file into an <see cref="OpenFaceTrack"/>: all 714
/// columns (gaze, eye landmarks, pose, 2D and 3D landmarks, shape parameters, AUs) with OpenFace's ", " separators,
/// written by the tests' generator. 300 rows are a 10 s clip at 30 fps; 10,000 rows are 5.6 minutes of video (about
/// 75 MB). The file is written once and then read from the page cache, so this measures parsing, not the disk.
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

        // The reader must read what the generator wrote, or the figures mean nothing.
        var track = OpenFaceCsvReader.Read(_path);
        var last = Rows - 1;
        if (track.FrameCount != Rows
            || Math.Abs(track.Timestamps[last] - OpenFaceCsvText.Value("timestamp", last)) > 1e-9
            || track.LandmarksY[(last * OpenFaceTrack.LandmarkCount) + 67] != (float)OpenFaceCsvText.Value("y_67", last)
            || track.AuIntensity[45][last] != (float)OpenFaceCsvText.Value("AU45_r", last))
        {
            throw new InvalidOperationException("The OpenFace reader does not read back the generated file.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>The whole file into a track (its frame count is returned: the track type is internal).</summary>
    [Benchmark]
    public int Read() => OpenFaceCsvReader.Read(_path).FrameCount;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(new RowsPerSecondColumn());
        }
    }
}
