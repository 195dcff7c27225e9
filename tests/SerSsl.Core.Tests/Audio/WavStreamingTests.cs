using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SerSsl.Core.Audio;
using static SerSsl.Core.Tests.Audio.WavBytes;

namespace SerSsl.Core.Tests.Audio;

public sealed class WavStreamingTests
{
    private const long BoundedAllocationBytes = 1024 * 1024;

    [Property(MaxTest = 100)]
    public Property Read_RandomBlockSizesAndShortStreamReads_MatchesOneBigRead()
    {
        var gen =
            from layout in Gen.Elements((1, 8), (2, 16), (3, 24), (5, 32), (2, 64))
            from frames in Gen.Choose(0, 3000)
            from seed in Gen.Choose(0, int.MaxValue)
            from blocks in Gen.NonEmptyListOf(Gen.Choose(1, 700))
            from perRead in Gen.Elements(1, 2, 5, 13, 4096, int.MaxValue)
            select (MakeFile(layout.Item1, layout.Item2, frames, seed), layout.Item1, blocks.ToArray(), perRead);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange
            var (bytes, channels, blocks, perRead) = input;
            var expected = WavStreams.ReadAll(bytes);

            // Act
            using var reader = new WavReader(WavStreams.Open(bytes, seekable: false, perRead));
            var actual = ReadInBlocks(reader, blocks, channels, mono: false);

            // Assert
            Assert.Equal(expected, actual);
        });
    }

    [Property(MaxTest = 100)]
    public Property ReadMono_RandomBlockSizes_MatchesDownmixOfOneBigRead()
    {
        var gen =
            from channels in Gen.Choose(1, 6)
            from frames in Gen.Choose(0, 3000)
            from seed in Gen.Choose(0, int.MaxValue)
            from blocks in Gen.NonEmptyListOf(Gen.Choose(1, 500))
            from perRead in Gen.Elements(3, 17, int.MaxValue)
            select (MakeFile(channels, 16, frames, seed), channels, blocks.ToArray(), perRead);

        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            // Arrange
            var (bytes, channels, blocks, perRead) = input;
            var interleaved = WavStreams.ReadAll(bytes);
            var expected = Enumerable.Range(0, interleaved.Length / channels)
                .Select(f => interleaved.AsSpan(f * channels, channels).ToArray().Sum() / channels)
                .ToArray();

            // Act
            using var reader = new WavReader(WavStreams.Open(bytes, seekable: false, perRead));
            var actual = ReadInBlocks(reader, blocks, channels, mono: true);

            // Assert
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 1e-6f);
            }
        });
    }

    [Fact]
    public void Read_TenMinutesGeneratedOnTheFly_ReadsAllWithBoundedMemory()
    {
        // Arrange: 10 minutes at 16 kHz (19.2 MB of PCM) produced by a stream that never holds it.
        const int SampleRate = 16000;
        const long Frames = 10L * 60 * SampleRate;
        var block = new float[4000];
        long index = 0;
        var mismatches = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();

        // Act
        using (var reader = new WavReader(new SyntheticPcm16Stream(SampleRate, Frames)))
        {
            int n;
            while ((n = reader.ReadMono(block)) > 0)
            {
                for (var i = 0; i < n; i++, index++)
                {
                    if (block[i] != SyntheticPcm16Stream.SampleAt(index) / 32768f)
                    {
                        mismatches++;
                    }
                }
            }

            Assert.Null(reader.FrameCount);
            Assert.Equal(Frames, reader.FramesRead);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(Frames, index);
        Assert.Equal(0, mismatches);
        Assert.InRange(allocated, 0, BoundedAllocationBytes);
    }

    [Fact]
    public void Open_TenMinuteTempFile_StreamsWithBoundedMemory()
    {
        // Arrange
        using var temp = new TempFolder("wav-long");
        var path = temp.File("long.wav");
        const int SampleRate = 16000;
        const int Seconds = 600;
        var second = new float[SampleRate * 2];
        using (var writer = WavWriter.Create(path, SampleRate, 2, WavSampleFormat.Pcm16))
        {
            for (var s = 0; s < Seconds; s++)
            {
                second.AsSpan().Fill((s % 20) / 20f);
                writer.Write(second);
            }
        }

        var block = new float[8192];
        long frames = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();

        // Act
        using (var reader = WavReader.Open(path))
        {
            Assert.Equal(SampleRate * (long)Seconds, reader.FrameCount);
            Assert.Equal(TimeSpan.FromMinutes(10), reader.Duration);
            int n;
            while ((n = reader.Read(block)) > 0)
            {
                frames += n / 2;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(SampleRate * (long)Seconds, frames);
        Assert.InRange(allocated, 0, BoundedAllocationBytes);
    }

    private static byte[] MakeFile(int channels, int bits, int frames, int seed)
    {
        var data = new byte[channels * (bits / 8) * frames];
        new Random(seed).NextBytes(data);
        if (bits == 64)
        {
            // Random bytes make arbitrary doubles (NaN payloads included); keep them finite so Assert.Equal compares cleanly.
            for (var i = 0; i < data.Length; i += 8)
            {
                BitConverter.TryWriteBytes(data.AsSpan(i), (i % 1000) / 1000.0 - 0.5);
            }
        }

        return bits == 64
            ? Riff(Fmt(3, channels, 16000, 64), Data(data))
            : Riff(Fmt(1, channels, 16000, bits), Data(data));
    }

    private static float[] ReadInBlocks(WavReader reader, int[] blocks, int channels, bool mono)
    {
        var result = new List<float>();
        for (var b = 0; ; b++)
        {
            var size = blocks[b % blocks.Length];
            var block = new float[mono ? size : Math.Max(size, channels)];
            var n = mono ? reader.ReadMono(block) : reader.Read(block);
            if (n == 0)
            {
                return [.. result];
            }

            result.AddRange(block.AsSpan(0, n));
        }
    }
}
