using System.Buffers.Binary;
using NAudio.Wave;
using SerSsl.Streaming.Sources.Wasapi;

namespace SerSsl.Streaming.Tests.Sources.Wasapi;

/// <summary>Little-endian capture buffers of known samples, in the layouts WASAPI delivers.</summary>
internal static class CaptureBytes
{
    public static byte[] S16(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        return bytes;
    }

    public static byte[] S24(params int[] samples)
    {
        var bytes = new byte[samples.Length * 3];
        for (var i = 0; i < samples.Length; i++)
        {
            bytes[i * 3] = (byte)samples[i];
            bytes[(i * 3) + 1] = (byte)(samples[i] >> 8);
            bytes[(i * 3) + 2] = (byte)(samples[i] >> 16);
        }

        return bytes;
    }

    public static byte[] S32(params int[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), samples[i]);
        }

        return bytes;
    }

    public static byte[] F32(params float[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), samples[i]);
        }

        return bytes;
    }

    public static byte[] F64(params double[] samples)
    {
        var bytes = new byte[samples.Length * 8];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), samples[i]);
        }

        return bytes;
    }

    /// <summary>WAVE_FORMAT_EXTENSIBLE as a device's mix format reads: a sub-format, a container and its valid bits.</summary>
    public static WaveFormatExtensible Extensible(int rate, int containerBits, int validBits, int channels, bool ieeeFloat) =>
        new(rate, containerBits, channels, ieeeFloat ? AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT : AudioMediaSubtypes.MEDIASUBTYPE_PCM, validBits, 0);

    /// <summary>Converts one whole buffer with a fresh converter.</summary>
    public static float[] ConvertAll(WaveFormat format, byte[] bytes, bool silent = false)
    {
        var converter = new CaptureBufferConverter(format);
        var mono = new float[converter.MaxFrames(bytes.Length)];
        var frames = converter.Convert(bytes, mono, silent);
        return mono[..frames];
    }
}

/// <summary>
/// A capture device without hardware: it reports a NAudio <see cref="WaveFormat"/> and pushes the buffers a test
/// gives it, from the test's thread or another, as NAudio's capture thread would.
/// </summary>
internal sealed class FakeCaptureDevice(WaveFormat format, string name = "Microphone (Test Audio)") : ICaptureDevice
{
    public string Name => name;

    public Exception? OpenError { get; init; }

    /// <summary>Runs inside <see cref="Start"/>, as a device delivering its first buffers at once.</summary>
    public Action<ICaptureSink>? OnStart { get; init; }

    public ICaptureSink? Sink { get; private set; }

    public bool Stopped { get; private set; }

    public bool Disposed { get; private set; }

    public WaveFormat Open() => OpenError is null ? format : throw OpenError;

    public void Start(ICaptureSink sink)
    {
        Sink = sink;
        OnStart?.Invoke(sink);
    }

    public void Stop()
    {
        // NAudio raises RecordingStopped, without an exception, after a requested stop.
        Stopped = true;
        Sink?.OnStopped(null);
    }

    public void Dispose() => Disposed = true;

    public void Push(byte[] bytes, bool silent = false, bool discontinuity = false) => Sink!.OnData(bytes, silent, discontinuity);
}
