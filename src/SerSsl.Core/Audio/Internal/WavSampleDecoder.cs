using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SerSsl.Core.Audio.Internal;

/// <summary>The concrete sample layouts the reader decodes.</summary>
internal enum WavSampleKind
{
    UInt8,
    Int16,
    Int24,
    Int32,
    Float32,
    Float64,
}

/// <summary>Converts little-endian WAV sample bytes to floats (mixing to mono is <see cref="ChannelMixer"/>'s).</summary>
internal static class WavSampleDecoder
{
    private const float Scale8 = 1f / 128f;
    private const float Scale16 = 1f / 32768f;
    private const float Scale24 = 1f / 8388608f;
    private const float Scale32 = 1f / 2147483648f;

    /// <summary>The size in bytes of one sample of <paramref name="kind"/>.</summary>
    public static int BytesPerSample(WavSampleKind kind) => kind switch
    {
        WavSampleKind.UInt8 => 1,
        WavSampleKind.Int16 => 2,
        WavSampleKind.Int24 => 3,
        WavSampleKind.Int32 => 4,
        WavSampleKind.Float32 => 4,
        WavSampleKind.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// Decodes <c>source.Length / BytesPerSample(kind)</c> samples into the start of <paramref name="destination"/>.
    /// Integers are scaled by 2^(bits-1), so the most negative code is exactly -1 and the most positive is just under 1.
    /// Float samples are passed through unchanged, NaN and infinities included.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination, WavSampleKind kind)
    {
        switch (kind)
        {
            case WavSampleKind.UInt8:
                for (var i = 0; i < source.Length; i++)
                {
                    destination[i] = (source[i] - 128) * Scale8;
                }

                break;
            case WavSampleKind.Int16 when BitConverter.IsLittleEndian:
                {
                    // Vectorised: reinterpret the little-endian bytes, widen to float, then scale.
                    var output = destination[..(source.Length / 2)];
                    TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, short>(source), output);
                    TensorPrimitives.Multiply(output, Scale16, output);
                    break;
                }

            case WavSampleKind.Int16:
                for (int i = 0, o = 0; i + 1 < source.Length; i += 2, o++)
                {
                    destination[o] = BinaryPrimitives.ReadInt16LittleEndian(source[i..]) * Scale16;
                }

                break;
            case WavSampleKind.Int24:
                for (int i = 0, o = 0; i + 2 < source.Length; i += 3, o++)
                {
                    // Place the three bytes in the top of an int so the sign extends, then shift back down.
                    var value = ((source[i] << 8) | (source[i + 1] << 16) | (source[i + 2] << 24)) >> 8;
                    destination[o] = value * Scale24;
                }

                break;
            case WavSampleKind.Int32 when BitConverter.IsLittleEndian:
                {
                    var output = destination[..(source.Length / 4)];
                    TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, int>(source), output);
                    TensorPrimitives.Multiply(output, Scale32, output);
                    break;
                }

            case WavSampleKind.Int32:
                for (int i = 0, o = 0; i + 3 < source.Length; i += 4, o++)
                {
                    destination[o] = BinaryPrimitives.ReadInt32LittleEndian(source[i..]) * Scale32;
                }

                break;
            case WavSampleKind.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case WavSampleKind.Float32:
                for (int i = 0, o = 0; i + 3 < source.Length; i += 4, o++)
                {
                    destination[o] = BinaryPrimitives.ReadSingleLittleEndian(source[i..]);
                }

                break;
            case WavSampleKind.Float64:
                for (int i = 0, o = 0; i + 7 < source.Length; i += 8, o++)
                {
                    destination[o] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[i..]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
