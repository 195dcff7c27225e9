using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using SerSsl.Core.Audio;

namespace SerSsl.Benchmarks;

/// <summary>
/// Reading malformed WAV files to their error, against a valid file: a data chunk that declares 2 GiB and holds 1 s,
/// a chunk before fmt that declares 2 GiB (the reader must skip it without reading what is not there), and a fmt
/// chunk that claims 1 GiB (rejected without allocating it). Each file holds 1 s of 16 kHz mono 16-bit audio (32 kB)
/// and is read from memory, seekable or as a pipe that returns at most 3 bytes per read (the slowest stream the WAV
/// tests use). This is the speed side of the WAV reader's fuzz test, which only checks that such files never hang.
/// </summary>
[Config(typeof(Config))]
public class MalformedWavBenchmarks
{
    private const uint TwoGiB = 0x7FFF_FFF0;
    private readonly float[] _block = new float[4096];
    private byte[] _bytes = [];

    /// <summary>What is wrong with the file.</summary>
    public enum FileShape
    {
        /// <summary>Nothing: 1 s of audio, read to the end.</summary>
        Valid,

        /// <summary>The data chunk declares 2 GiB; the file ends after 1 s of it.</summary>
        DataClaimsTwoGiB,

        /// <summary>A LIST chunk before fmt declares 2 GiB; the file ends 1 s of audio later.</summary>
        ChunkClaimsTwoGiB,

        /// <summary>The fmt chunk's size field claims 1 GiB.</summary>
        FmtClaimsOneGiB,
    }

    [Params(FileShape.Valid, FileShape.DataClaimsTwoGiB, FileShape.ChunkClaimsTwoGiB, FileShape.FmtClaimsOneGiB)]
    public FileShape Shape { get; set; }

    /// <summary>False: a seekable memory stream; true: a non-seekable one that returns at most 3 bytes per read.</summary>
    [Params(false, true)]
    public bool Pipe { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var pcm = new byte[32_000];
        new Random(3).NextBytes(pcm);
        var fmt = Chunk("fmt ", FmtBody());
        _bytes = Shape switch
        {
            FileShape.Valid => Riff(fmt, Chunk("data", pcm)),
            FileShape.DataClaimsTwoGiB => Riff(fmt, Chunk("data", pcm, TwoGiB)),
            FileShape.ChunkClaimsTwoGiB => Riff(Chunk("LIST", new byte[16], TwoGiB), fmt, Chunk("data", pcm)),
            FileShape.FmtClaimsOneGiB => Riff(Chunk("fmt ", FmtBody(), 0x4000_0000), Chunk("data", pcm)),
            _ => throw new InvalidOperationException($"Unknown shape {Shape}."),
        };

        // Only the valid file may read cleanly.
        var outcome = ReadToEndOrError();
        if ((Shape == FileShape.Valid) != (outcome == 16_000))
        {
            throw new InvalidOperationException($"{Shape}: unexpected outcome {outcome}.");
        }
    }

    /// <summary>Opens the file and reads it to the end; the frames read, or minus one minus the error's byte offset.</summary>
    [Benchmark]
    public long ReadToEndOrError()
    {
        using Stream stream = Pipe ? new PipeStream(_bytes, 3) : new MemoryStream(_bytes, writable: false);
        try
        {
            using var reader = new WavReader(stream, leaveOpen: true);
            long frames = 0;
            int n;
            while ((n = reader.Read(_block)) > 0)
            {
                frames += n;
            }

            return frames;
        }
        catch (WavFormatException error)
        {
            return -1 - error.ByteOffset;
        }
    }

    private static byte[] FmtBody()
    {
        var body = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(body, 1); // PCM
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), 16_000);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), 32_000);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), 16);
        return body;
    }

    private static byte[] Chunk(string id, byte[] body, uint? declaredSize = null)
    {
        var bytes = new byte[8 + body.Length];
        System.Text.Encoding.ASCII.GetBytes(id, bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Riff(params byte[][] chunks)
    {
        var body = chunks.SelectMany(static c => c).ToArray();
        var bytes = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(4 + body.Length));
        "WAVE"u8.CopyTo(bytes.AsSpan(8));
        body.CopyTo(bytes, 12);
        return bytes;
    }

    /// <summary>A read-only, non-seekable stream over a byte array that returns at most a given number of bytes per read.</summary>
    private sealed class PipeStream(byte[] bytes, int maxBytesPerRead) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, maxBytesPerRead), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
        }
    }
}
