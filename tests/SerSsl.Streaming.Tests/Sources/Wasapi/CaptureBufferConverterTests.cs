using FsCheck.Xunit;
using NAudio.Wave;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Wasapi;
using static SerSsl.Streaming.Tests.Sources.Wasapi.CaptureBytes;

namespace SerSsl.Streaming.Tests.Sources.Wasapi;

/// <summary>
/// The conversion of WASAPI capture buffers (bytes in a NAudio <see cref="WaveFormat"/>) to mono floats: known codes
/// in, exact floats out, for every format a shared-mode mix format can be; no device involved.
/// </summary>
public sealed class CaptureBufferConverterTests
{
    [Fact]
    public void Convert_IeeeFloat32Stereo_AveragesEachFrameExactly()
    {
        var format = WaveFormat.CreateIeeeFloatWaveFormat(48_000, 2);

        var mono = ConvertAll(format, F32(0.5f, -0.25f, 1f, 1f, -1f, 0f, 0.75f, 0.25f));

        Assert.Equal([0.125f, 1f, -0.5f, 0.5f], mono);
    }

    [Fact]
    public void Convert_Pcm16Mono_ScalesBy32768()
    {
        var mono = ConvertAll(new WaveFormat(16_000, 16, 1), S16(short.MinValue, 0, 16_384, short.MaxValue, -1));

        Assert.Equal([-1f, 0f, 0.5f, 32_767f / 32_768f, -1f / 32_768f], mono);
    }

    [Fact]
    public void Convert_Pcm24Stereo_SignExtendsAndScalesBy2To23()
    {
        var mono = ConvertAll(new WaveFormat(44_100, 24, 2), S24(-8_388_608, -8_388_608, 4_194_304, 0, 8_388_607, -1));

        Assert.Equal([-1f, 0.25f, (8_388_607f - 1f) / 8_388_608f / 2f], mono);
    }

    [Fact]
    public void Convert_Pcm32Mono_ScalesBy2To31()
    {
        var mono = ConvertAll(new WaveFormat(96_000, 32, 1), S32(int.MinValue, 1 << 30, -(1 << 29), 0));

        Assert.Equal([-1f, 0.5f, -0.25f, 0f], mono);
    }

    [Fact]
    public void Convert_Pcm8_IsUnsignedAroundHalf()
    {
        var mono = ConvertAll(new WaveFormat(8_000, 8, 1), [0, 128, 192, 255]);

        Assert.Equal([-1f, 0f, 0.5f, 127f / 128f], mono);
    }

    [Fact]
    public void Convert_IeeeFloat64_NarrowsToFloat()
    {
        var format = WaveFormat.CreateCustomFormat(WaveFormatEncoding.IeeeFloat, 48_000, 1, 48_000 * 8, 8, 64);

        var mono = ConvertAll(format, F64(0.5, -0.125, 1.0 / 3.0));

        Assert.Equal([0.5f, -0.125f, (float)(1.0 / 3.0)], mono);
    }

    [Fact]
    public void Convert_ExtensibleFloat51_AveragesSixChannels()
    {
        // A typical 5.1 mix format: WAVE_FORMAT_EXTENSIBLE, IEEE float sub-format, 32-bit, 6 channels.
        var format = Extensible(48_000, 32, 32, 6, ieeeFloat: true);

        var mono = ConvertAll(format, F32(0.6f, 0.6f, 0.6f, 0.6f, 0.6f, 0.6f, 1f, 0f, 0f, 0f, 0f, -1f));

        // ChannelMixer's mean: the channels summed in order, then divided by their count.
        var sum = 0f;
        for (var c = 0; c < 6; c++)
        {
            sum += 0.6f;
        }

        Assert.Equal([sum / 6f, 0f], mono);
    }

    [Fact]
    public void Convert_ExtensiblePcm24In32_ScalesByTheContainer()
    {
        // 24 valid bits left-justified in a 32-bit container (many USB microphones): the low byte is padding.
        var format = Extensible(48_000, 32, 24, 2, ieeeFloat: false);

        var mono = ConvertAll(format, S32(0x4000_0000, 0x4000_0000, unchecked((int)0x8000_0000), 0x2000_0000));

        Assert.Equal([0.5f, (-1f + 0.25f) / 2f], mono);
    }

    [Fact]
    public void Convert_ExtensiblePcm16_SameAsPlainPcm16()
    {
        var bytes = S16(1_000, -2_000, 30_000, -30_000, 7, 9);

        Assert.Equal(ConvertAll(new WaveFormat(32_000, 16, 2), bytes), ConvertAll(Extensible(32_000, 16, 16, 2, ieeeFloat: false), bytes));
    }

    [Fact]
    public void Convert_SilentBuffer_WritesZerosWhateverTheBytes()
    {
        var mono = ConvertAll(new WaveFormat(16_000, 16, 1), S16(12_345, -12_345, 1), silent: true);

        Assert.Equal([0f, 0f, 0f], mono);
    }

    [Fact]
    public void Convert_PartialFrames_CarriedAcrossCallbacks()
    {
        // Stereo 24-bit: 6-byte frames, delivered in pieces of 4, 1, 9 and 4 bytes (3 frames in all).
        var converter = new CaptureBufferConverter(new WaveFormat(48_000, 24, 2));
        var bytes = S24(4_194_304, 4_194_304, -4_194_304, 0, 2_097_152, -2_097_152);
        var mono = new float[4];
        var written = new List<float>();

        foreach (var (offset, length) in new[] { (0, 4), (4, 1), (5, 9), (14, 4) })
        {
            var frames = converter.Convert(bytes.AsSpan(offset, length), mono);
            written.AddRange(mono[..frames]);
            Assert.Equal((offset + length) % 6, converter.PendingBytes);
        }

        Assert.Equal([0.5f, -0.25f, 0f], written);
    }

    [Fact]
    public void Convert_OddByteCountForPcm16_KeepsTheLoneByteForTheNextBuffer()
    {
        var converter = new CaptureBufferConverter(new WaveFormat(16_000, 16, 1));
        var bytes = S16(256, 512, -256);
        var mono = new float[3];

        var first = converter.Convert(bytes.AsSpan(0, 3), mono);
        var kept = converter.PendingBytes;
        var second = converter.Convert(bytes.AsSpan(3), mono.AsSpan(first));

        Assert.Equal((1, 1, 2), (first, kept, second));
        Assert.Equal([256f / 32_768f, 512f / 32_768f, -256f / 32_768f], mono);
    }

    [Fact]
    public void Reset_AfterADiscontinuity_DropsTheKeptPartialFrame()
    {
        var converter = new CaptureBufferConverter(new WaveFormat(16_000, 16, 1));
        var mono = new float[2];
        converter.Convert(new byte[] { 0x34 }, mono);

        converter.Reset();
        var frames = converter.Convert(S16(16_384), mono);

        Assert.Equal(0, converter.PendingBytes);
        Assert.Equal(1, frames);
        Assert.Equal(0.5f, mono[0]);
    }

    [Fact]
    public void Convert_DestinationTooShort_Throws()
    {
        var converter = new CaptureBufferConverter(WaveFormat.CreateIeeeFloatWaveFormat(48_000, 2));

        Assert.Throws<ArgumentException>(() => converter.Convert(F32(1f, 1f, 1f, 1f), new float[1]));
    }

    [Theory]
    [InlineData(8_000, 1, 64)]
    [InlineData(44_100, 2, 441)]
    [InlineData(48_000, 8, 480)]
    [InlineData(192_000, 2, 1_920)]
    public void Convert_RatesChannelsAndBufferSizes_MonoAtTheDeviceRateOneSamplePerFrame(int rate, int channels, int frames)
    {
        var format = WaveFormat.CreateIeeeFloatWaveFormat(rate, channels);
        var converter = new CaptureBufferConverter(format);
        // Multiples of 2^-10: any channel count sums and divides back exactly.
        var samples = Enumerable.Range(0, frames * channels).Select(i => (i / channels % 1_024) / 1_024f).ToArray();

        var mono = new float[converter.MaxFrames(samples.Length * 4)];
        var written = converter.Convert(F32(samples), mono);

        Assert.Equal(new AudioFormat(rate, 1), converter.OutputFormat);
        Assert.Equal(frames, written);
        Assert.Equal(Enumerable.Range(0, frames).Select(f => (f % 1_024) / 1_024f), mono);
    }

    public static TheoryData<string, WaveFormat> UnsupportedFormats => new()
    {
        { "ALaw", WaveFormat.CreateALawFormat(8_000, 1) },
        { "12 bits", WaveFormat.CreateCustomFormat(WaveFormatEncoding.Pcm, 16_000, 1, 32_000, 2, 12) },
        { "16 bits", WaveFormat.CreateCustomFormat(WaveFormatEncoding.IeeeFloat, 16_000, 1, 32_000, 2, 16) },
        { "sub-format", new WaveFormatExtensible(48_000, 16, 2, AudioMediaSubtypes.MEDIASUBTYPE_DVD_LPCM_AUDIO, 16, 0) },
        { "without its extension", WaveFormat.CreateCustomFormat(WaveFormatEncoding.Extensible, 48_000, 2, 384_000, 8, 32) },
        { "a frame of 8 bytes", WaveFormat.CreateCustomFormat(WaveFormatEncoding.Pcm, 48_000, 2, 384_000, 8, 16) },
        { "33 channels", WaveFormat.CreateIeeeFloatWaveFormat(48_000, 33) },
        { "4000 Hz", new WaveFormat(4_000, 16, 1) },
    };

    [Theory]
    [MemberData(nameof(UnsupportedFormats))]
    public void Create_UnsupportedFormat_SaysWhatItIs(string what, WaveFormat format)
    {
        var error = Assert.Throws<AudioSourceException>(() => new CaptureBufferConverter(format));

        Assert.Contains(what, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NamesSampleLayoutChannelsAndRate()
    {
        Assert.Equal("f32 2 ch 48000 Hz", CaptureBufferConverter.Describe(WaveFormat.CreateIeeeFloatWaveFormat(48_000, 2)));
        Assert.Equal("s16 1 ch 16000 Hz", CaptureBufferConverter.Describe(new WaveFormat(16_000, 16, 1)));
        Assert.Equal("s32 (24 valid bits) 2 ch 44100 Hz", CaptureBufferConverter.Describe(Extensible(44_100, 32, 24, 2, ieeeFloat: false)));
        Assert.Equal("f32 6 ch 48000 Hz", CaptureBufferConverter.Describe(Extensible(48_000, 32, 32, 6, ieeeFloat: true)));
    }

    private static readonly WaveFormat[] s_formats =
    [
        new WaveFormat(16_000, 16, 1),
        new WaveFormat(44_100, 24, 2),
        WaveFormat.CreateIeeeFloatWaveFormat(48_000, 2),
        Extensible(48_000, 32, 24, 2, ieeeFloat: false),
        Extensible(48_000, 32, 32, 6, ieeeFloat: true),
        new WaveFormat(8_000, 8, 3),
    ];

    [Property(MaxTest = 200)]
    public void Convert_BufferSplitAnywhere_SameSamplesAsInOnePiece(byte[] bytes, int[] cuts, byte formatIndex)
    {
        // Whatever the device's packet boundaries (even mid-sample), the samples out are the same as for one buffer.
        var format = s_formats[formatIndex % s_formats.Length];
        bytes ??= [];
        var whole = ConvertAll(format, bytes);
        var converter = new CaptureBufferConverter(format);
        var points = (cuts ?? []).Select(c => (int)(Math.Abs((long)c) % (bytes.Length + 1))).Append(0).Append(bytes.Length).Distinct().Order().ToArray();
        var pieces = new List<float>();
        for (var i = 0; i + 1 < points.Length; i++)
        {
            var piece = bytes.AsSpan(points[i], points[i + 1] - points[i]);
            var mono = new float[converter.MaxFrames(piece.Length)];
            var frames = converter.Convert(piece, mono, silent: false);
            pieces.AddRange(mono[..frames]);
        }

        Assert.Equal(whole.Length, bytes.Length / format.BlockAlign);
        Assert.Equal(whole, pieces);
        Assert.Equal(bytes.Length % format.BlockAlign, converter.PendingBytes);
    }
}
