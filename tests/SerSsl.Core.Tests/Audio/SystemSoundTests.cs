using SerSsl.Core.Audio;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Reads real recorded speech: the WAV files alsa-utils installs (<c>apt-get install alsa-utils</c>).</summary>
public sealed class SystemSoundTests
{
    private const string AlsaSoundsFolder = "/usr/share/sounds/alsa";

    [Fact]
    public void Open_AlsaSpeechRecordings_HavePlausibleFormatAndNonZeroDuration()
    {
        // Arrange
        var files = RequireWavFiles(AlsaSoundsFolder);

        foreach (var path in files)
        {
            // Act
            using var reader = WavReader.Open(path);
            var samples = WavStreams.ReadAllMono(reader);

            // Assert
            Assert.Contains(reader.SampleRate, new[] { 8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000 });
            Assert.InRange(reader.Channels, 1, 2);
            Assert.NotNull(reader.Duration);
            Assert.True(reader.Duration > TimeSpan.FromMilliseconds(100), $"{path} lasts {reader.Duration}");
            Assert.Equal(reader.FrameCount, samples.Length);
            Assert.InRange(reader.FrameCount!.Value * reader.BlockAlign, 1, new FileInfo(path).Length);
            Assert.Contains(samples, s => s != 0f);
            Assert.All(samples, s => Assert.InRange(s, -1f, 1f));
        }
    }

    [Fact]
    public void ReadMono_AlsaSpeechRecordings_MatchesStreamingRead()
    {
        // Arrange
        var files = RequireWavFiles(AlsaSoundsFolder);

        foreach (var path in files)
        {
            // Act
            var audio = WavFile.ReadMono(path);
            using var reader = WavReader.Open(path);
            var streamed = WavStreams.ReadAllMono(reader, 1000);

            // Assert
            Assert.Equal(reader.SampleRate, audio.SampleRate);
            Assert.Equal(streamed, audio.Samples);
            Assert.Equal(reader.Duration, audio.Duration);
        }
    }

    /// <summary>The WAV files in <paramref name="folder"/>, or a skip of the calling test when there are none.</summary>
    private static string[] RequireWavFiles(string folder)
    {
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.wav") : [];
        if (files.Length == 0)
        {
            Assert.Skip($"No WAV files in {folder}: install alsa-utils (apt-get install -y alsa-utils) to read real recordings.");
        }

        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
