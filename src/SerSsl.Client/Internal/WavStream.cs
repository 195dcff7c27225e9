using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SerSsl.Client.Internal;

/// <summary>Reads a RIFF WAV stream (16-bit PCM or 32-bit float, any channel count) as blocks of interleaved floats.</summary>
internal static class WavStream
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>Reads the header up to the start of the <c>data</c> chunk.</summary>
    /// <exception cref="InvalidDataException">The stream is not a WAV file this reader takes.</exception>
    public static async Task<(ClientAudioFormat Format, int BitsPerSample, long DataBytes)> ReadHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        var riff = new byte[12];
        await ReadExactlyAsync(stream, riff, 0, cancellationToken).ConfigureAwait(false);
        if (!riff.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !riff.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("The stream is not a WAV file: it does not start with RIFF....WAVE. Give a RIFF WAV file (16-bit PCM or 32-bit float).");
        }

        long offset = 12;
        ClientAudioFormat? format = null;
        var bits = 0;
        var header = new byte[8];
        while (true)
        {
            await ReadExactlyAsync(stream, header, offset, cancellationToken).ConfigureAwait(false);
            var id = System.Text.Encoding.ASCII.GetString(header, 0, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            offset += 8;
            if (id == "data")
            {
                if (format is null)
                {
                    throw new InvalidDataException($"WAV stream: the data chunk at byte {offset - 8} comes before any fmt chunk.");
                }

                return (format.Value, bits, size);
            }

            var body = new byte[size + (size & 1)];
            await ReadExactlyAsync(stream, body, offset, cancellationToken).ConfigureAwait(false);
            if (id == "fmt ")
            {
                if (size < 16)
                {
                    throw new InvalidDataException($"WAV stream: the fmt chunk at byte {offset - 8} has {size} bytes; it needs at least 16.");
                }

                var tag = BinaryPrimitives.ReadUInt16LittleEndian(body);
                var channels = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(2));
                var rate = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(14));
                if (tag == FormatExtensible && size >= 26)
                {
                    tag = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(24));
                }

                if (!(tag == FormatPcm && bits == 16) && !(tag == FormatFloat && bits == 32))
                {
                    throw new InvalidDataException($"WAV stream: format tag {tag} with {bits} bits per sample (fmt chunk at byte {offset - 8}) is not supported; convert it to 16-bit PCM or 32-bit float.");
                }

                format = new ClientAudioFormat(rate, channels);
            }

            offset += body.Length;
        }
    }

    /// <summary>The samples of the data chunk, in blocks of <paramref name="framesPerBlock"/> frames.</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<float>> ReadSamplesAsync(Stream stream, ClientAudioFormat format, int bitsPerSample, long dataBytes, int framesPerBlock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bytesPerSample = bitsPerSample / 8;
        var frameBytes = bytesPerSample * format.Channels;
        var buffer = new byte[framesPerBlock * frameBytes];
        var left = dataBytes - (dataBytes % frameBytes);
        while (left > 0)
        {
            var want = (int)Math.Min(buffer.Length, left);
            var got = 0;
            while (got < want)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(got, want - got), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            got -= got % frameBytes;
            if (got == 0)
            {
                yield break;
            }

            var samples = new float[got / bytesPerSample];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = bytesPerSample == 2
                    ? BinaryPrimitives.ReadInt16LittleEndian(buffer.AsSpan(i * 2)) / 32768f
                    : BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(i * 4));
            }

            yield return samples;
            left -= got;
            if (got < want)
            {
                yield break;
            }
        }
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, long offset, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"WAV stream: it ends inside the header, at byte {offset} or soon after.", ex);
        }
    }
}
