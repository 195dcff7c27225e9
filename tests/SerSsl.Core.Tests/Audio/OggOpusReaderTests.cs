using SerSsl.Core.Audio;
using SerSsl.TestSupport;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Ogg Opus decoding against libopus's own decoder (opusdec), on files made by opusenc.</summary>
public sealed class OggOpusReaderTests
{
    [Theory]
    [InlineData(16_000, 1, 2.3)]
    [InlineData(48_000, 2, 1.7)]
    [InlineData(44_100, 1, 0.9)]
    [InlineData(8_000, 2, 0.05)]
    public void Read_OpusencFile_MatchesOpusdecAt48kHz(int rate, int channels, double seconds)
    {
        // Arrange
        var dir = RepoPaths.NewTempDirectory("opus");
        var mono = OggOpusTestFiles.SpeechLike(rate, seconds);
        var other = OggOpusTestFiles.SpeechLike(rate, seconds, 2);
        var interleaved = channels == 1 ? mono : [.. mono.SelectMany((s, i) => new[] { s, 0.5f * other[i] })];
        var opus = OggOpusTestFiles.Encode(dir, "clip", interleaved, rate, channels, "--bitrate", "64");
        var expected = OggOpusTestFiles.ReferenceDecode(opus);

        // Act
        using var reader = OggOpusReader.Open(opus);
        var actual = WavStreams.ReadAll(reader, 1000);

        // Assert
        Assert.Equal(48_000, reader.SampleRate);
        Assert.Equal(channels, reader.Channels);
        Assert.Equal(rate, reader.InputSampleRate);
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Length / channels, reader.FrameCount);
        Assert.Equal(reader.FrameCount, reader.FramesRead);
        var snr = OggOpusTestFiles.SnrDb(expected, actual);
        Assert.True(snr >= 50, $"SNR against opusdec is {snr:F1} dB");
    }

    [Fact]
    public void Read_LengthAfterTrimming_IsTheEncodersInputLengthAt48kHz()
    {
        // Arrange: 48 kHz input, so no resampling inside opusenc; pre-skip and end trimming must give its exact length.
        var dir = RepoPaths.NewTempDirectory("opus");
        var samples = OggOpusTestFiles.SpeechLike(48_000, 1.2345);
        var opus = OggOpusTestFiles.Encode(dir, "exact", samples, 48_000, 1);

        // Act
        using var reader = OggOpusReader.Open(opus);
        var decoded = WavStreams.ReadAll(reader);

        // Assert
        Assert.True(reader.PreSkip > 0);
        Assert.Equal(samples.Length, decoded.Length);
    }

    [Fact]
    public void ReadMono_Stereo_IsTheMeanOfTheChannels()
    {
        // Arrange
        var dir = RepoPaths.NewTempDirectory("opus");
        var left = OggOpusTestFiles.SpeechLike(48_000, 0.5, 3);
        var right = OggOpusTestFiles.SpeechLike(48_000, 0.5, 4);
        var opus = OggOpusTestFiles.Encode(dir, "stereo", [.. left.Zip(right).SelectMany(p => new[] { p.First, -0.5f * p.Second })], 48_000, 2);
        using var stereoReader = OggOpusReader.Open(opus);
        var stereo = WavStreams.ReadAll(stereoReader);

        // Act
        using var monoReader = OggOpusReader.Open(opus);
        var mono = WavStreams.ReadAllMono(monoReader, 777);

        // Assert
        Assert.Equal(stereo.Length / 2, mono.Length);
        for (var i = 0; i < mono.Length; i++)
        {
            Assert.Equal((stereo[2 * i] + stereo[(2 * i) + 1]) * 0.5f, mono[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Read_PipeStream_GivesTheSameSamplesAsAFile(int bytesPerRead)
    {
        // Arrange
        var dir = RepoPaths.NewTempDirectory("opus");
        var opus = OggOpusTestFiles.Encode(dir, "pipe", OggOpusTestFiles.SpeechLike(16_000, 0.8), 16_000, 1);
        using var fileReader = OggOpusReader.Open(opus);
        var expected = WavStreams.ReadAll(fileReader);

        // Act
        using var pipeReader = AudioReader.Open(WavStreams.Open(File.ReadAllBytes(opus), seekable: false, bytesPerRead));
        var actual = WavStreams.ReadAll(pipeReader);

        // Assert
        Assert.Null(pipeReader.FrameCount);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Read_OutputGainInHeader_IsApplied()
    {
        // Arrange: set the header's gain to +6 dB (Q7.8) and fix the first page's CRC.
        var dir = RepoPaths.NewTempDirectory("opus");
        var opus = OggOpusTestFiles.Encode(dir, "gain", OggOpusTestFiles.SpeechLike(48_000, 0.6), 48_000, 1);
        using var plainReader = OggOpusReader.Open(opus);
        var plain = WavStreams.ReadAll(plainReader);
        var pages = OggOpusTestFiles.Pages(File.ReadAllBytes(opus));
        var headStart = 27 + pages[0][26];
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(pages[0].AsSpan(headStart + 16), 6 * 256);
        OggOpusTestFiles.WithCrc(pages[0]);
        var gained = Path.Combine(dir, "gained.opus");
        File.WriteAllBytes(gained, OggOpusTestFiles.Join(pages));

        // Act
        using var reader = OggOpusReader.Open(gained);
        var actual = WavStreams.ReadAll(reader);
        var reference = OggOpusTestFiles.ReferenceDecode(gained);

        // Assert
        Assert.Equal(6.0, reader.OutputGainDb);
        var factor = MathF.Pow(10, 6f / 20);
        for (var i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i] * factor, actual[i], 1e-6f);
        }

        Assert.True(OggOpusTestFiles.SnrDb(reference, actual) >= 50);
    }

    [Fact]
    public void Open_ByContent_ReadsOpusNamedWavAndWavNamedOpus()
    {
        // Arrange
        var dir = RepoPaths.NewTempDirectory("opus");
        var opus = OggOpusTestFiles.Encode(dir, "x", OggOpusTestFiles.SpeechLike(16_000, 0.3), 16_000, 1);
        var opusNamedWav = Path.Combine(dir, "really-opus.wav");
        File.Copy(opus, opusNamedWav);
        var wavNamedOpus = Path.Combine(dir, "really-wav.opus");
        File.Copy(Path.Combine(dir, "x.wav"), wavNamedOpus);

        // Act
        using var first = AudioReader.Open(opusNamedWav);
        using var second = AudioReader.Open(wavNamedOpus);

        // Assert
        Assert.IsType<OggOpusReader>(first);
        Assert.Equal("Ogg Opus", first.Codec);
        Assert.IsType<WavReader>(second);
        Assert.Equal("WAV, PCM 16-bit", second.Codec);
        Assert.Equal(16_000, AudioReader.ReadMono(wavNamedOpus).SampleRate);
        Assert.Equal(48_000, AudioReader.ReadMono(opusNamedWav).SampleRate);
    }
}
