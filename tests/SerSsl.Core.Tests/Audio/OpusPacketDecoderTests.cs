using SerSsl.Core.Audio;
using SerSsl.TestSupport;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Raw Opus packets (what a network client sends) against the file reader on the same packets.</summary>
public sealed class OpusPacketDecoderTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDirectory("opus-packets");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1, 20)]
    [InlineData(2, 20)]
    [InlineData(1, 60)]
    [InlineData(1, 2.5)]
    public void Decode_PacketsOfAnOpusencFile_SameSamplesAsTheFileReader(int channels, double frameMs)
    {
        // Arrange
        var mono = OggOpusTestFiles.SpeechLike(16_000, 1.3);
        var interleaved = channels == 1 ? mono : [.. mono.SelectMany(s => new[] { s, -0.5f * s })];
        var opus = OggOpusTestFiles.Encode(_dir, "clip", interleaved, 16_000, channels, "--framesize", frameMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var file = OggOpusPackets.Read(opus);
        using var reader = OggOpusReader.Open(opus);
        var expected = WavStreams.ReadAll(reader);
        var decoder = new OpusPacketDecoder(channels, (int)(frameMs * 1000), file.PreSkip);

        // Act
        var actual = new List<float>();
        var buffer = new float[decoder.FrameSamples * channels];
        foreach (var packet in file.Packets)
        {
            var frames = decoder.Decode(packet, buffer);
            actual.AddRange(buffer.AsSpan(0, frames * channels).ToArray());
        }

        // Assert: the same samples up to the file's end trimming, which raw packets do not carry.
        Assert.Equal(312, file.PreSkip);
        Assert.Equal(file.Packets.Count, decoder.Packets);
        Assert.Equal(actual.Count / channels, decoder.FramesDecoded);
        Assert.InRange(actual.Count - expected.Length, 0, (decoder.FrameSamples * channels) - 1);
        Assert.Equal(expected, actual.Take(expected.Length));
        Assert.Equal(file.Packets.Sum(p => (long)p.Length), decoder.BytesReceived);
    }

    [Fact]
    public void Decode_HybridPacketsOfSpeech_AreNotSilent()
    {
        // Speech at 16 kHz and opusenc's default bitrate gives hybrid packets (SILK and CELT together), the ones some
        // decoders turn to silence below 48 kHz.
        var opus = OggOpusTestFiles.Encode(_dir, "clip", OggOpusTestFiles.SpeechLike(16_000, 1.0), 16_000, 1);
        var file = OggOpusPackets.Read(opus);
        var decoder = new OpusPacketDecoder(1, 20_000, file.PreSkip);
        var buffer = new float[decoder.FrameSamples];
        double power = 0;

        foreach (var packet in file.Packets)
        {
            var frames = decoder.Decode(packet, buffer);
            power += buffer.AsSpan(0, frames).ToArray().Sum(s => (double)s * s);
        }

        Assert.Contains(file.Packets, p => (p[0] >> 3) is >= 12 and <= 15); // TOC configurations 12-15: hybrid
        Assert.Equal(960, decoder.FrameSamples);
        Assert.True(power / decoder.FramesDecoded > 1e-3, $"mean power {power / decoder.FramesDecoded:E2}");
    }

    [Fact]
    public void Decode_PacketOfAnotherDuration_RefusedNamingThePacketAndBothDurations()
    {
        var opus = OggOpusTestFiles.Encode(_dir, "clip", OggOpusTestFiles.SpeechLike(16_000, 0.5), 16_000, 1, "--framesize", "40");
        var file = OggOpusPackets.Read(opus);
        var decoder = new OpusPacketDecoder(1, 20_000, 0);

        var ex = Assert.Throws<OpusPacketException>(() => decoder.Decode(file.Packets[0], new float[960]));

        Assert.Contains("packet 1 ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("lasts 40 ms", ex.Message, StringComparison.Ordinal);
        Assert.Contains("20 ms (frame_duration_us 20000)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, decoder.Packets);
    }

    [Fact]
    public void Decode_ShorterPacketFollowedByAnother_RefusedNamingBoth()
    {
        // 20 ms packets declared as 60 ms: the first may be a stream's shorter last packet, the second shows it was not.
        var opus = OggOpusTestFiles.Encode(_dir, "clip", OggOpusTestFiles.SpeechLike(16_000, 0.5), 16_000, 1);
        var file = OggOpusPackets.Read(opus);
        var decoder = new OpusPacketDecoder(1, 60_000, 0);
        var buffer = new float[decoder.FrameSamples];

        Assert.Equal(960, decoder.Decode(file.Packets[0], buffer));
        var ex = Assert.Throws<OpusPacketException>(() => decoder.Decode(file.Packets[1], buffer));

        Assert.Contains("packet 1 lasted 20 ms, less than the 60 ms", ex.Message, StringComparison.Ordinal);
        Assert.Contains("packet 2 followed it", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x03 })] // code 3 without its frame-count byte
    [InlineData(new byte[] { 0xFB, 0x00 })] // code 3 declaring 0 frames
    [InlineData(new byte[] { 0xFB, 0x41, 0xFF })] // one 20 ms frame whose padding runs past the packet's end
    public void Decode_DamagedPacket_RefusedNamingThePacket(byte[] packet)
    {
        var decoder = new OpusPacketDecoder(1, 20_000, 0);
        var good = OggOpusPackets.Read(OggOpusTestFiles.Encode(_dir, "clip", OggOpusTestFiles.SpeechLike(16_000, 0.2), 16_000, 1)).Packets;
        var buffer = new float[960];
        decoder.Decode(good[0], buffer);

        var ex = Assert.Throws<OpusPacketException>(() => decoder.Decode(packet, buffer));

        Assert.Contains("packet 2 ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be decoded", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, decoder.Packets);
    }

    [Fact]
    public void Decode_EmptyPacket_ConcealedForOneFrameAndCountedAsLost()
    {
        var good = OggOpusPackets.Read(OggOpusTestFiles.Encode(_dir, "clip", OggOpusTestFiles.SpeechLike(16_000, 0.5), 16_000, 1)).Packets;
        var decoder = new OpusPacketDecoder(1, 20_000, 0);
        var buffer = new float[960];
        foreach (var packet in good.Take(10))
        {
            decoder.Decode(packet, buffer);
        }

        var frames = decoder.Decode([], buffer);

        Assert.Equal(960, frames);
        Assert.Equal(1, decoder.LostPackets);
        Assert.Equal(11, decoder.Packets);
        Assert.True(buffer.Max(MathF.Abs) > 0.01f, $"concealment peaks at {buffer.Max(MathF.Abs)}: it should continue the voice, not fall silent");
    }

    [Theory]
    [InlineData(0, 20_000, 0, "channels")]
    [InlineData(3, 20_000, 0, "channels")]
    [InlineData(1, 7_000, 0, "frameDurationMicroseconds")]
    [InlineData(1, 0, 0, "frameDurationMicroseconds")]
    [InlineData(1, 20_000, -1, "preSkip")]
    [InlineData(1, 20_000, 65_536, "preSkip")]
    public void Constructor_OutOfRange_NamesTheParameter(int channels, int frameUs, int preSkip, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new OpusPacketDecoder(channels, frameUs, preSkip));
        Assert.Equal(parameter, ex.ParamName);
    }
}
