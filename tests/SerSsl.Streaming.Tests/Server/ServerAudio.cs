using Google.Protobuf;
using Grpc.Core;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Tests.Support;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>Audio and stream helpers for the server tests.</summary>
internal static class ServerAudio
{
    /// <summary>A tone whose loudness swings slowly, so that speech and silence alternate.</summary>
    public static float[] Tone(int rate, double seconds, int channels = 1)
    {
        var frames = (int)(rate * seconds);
        var samples = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / rate;
            var envelope = 0.5 * (1 + Math.Sin(2 * Math.PI * 0.4 * t));
            var value = (float)(0.3 * envelope * Math.Sin(2 * Math.PI * 220 * t));
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = value;
            }
        }

        return samples;
    }

    /// <summary>Samples as s16le bytes.</summary>
    public static byte[] S16(float[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), (short)Math.Clamp(MathF.Round(samples[i] * 32767f), short.MinValue, short.MaxValue));
        }

        return bytes;
    }

    /// <summary>A session over a source paced at about <paramref name="speed"/> times real time, lossless.</summary>
    public static MemorySource Paced(double seconds, double speed) =>
        new(Tone(16_000, seconds), new AudioFormat(16_000, 1), isLive: false, blockFrames: 320, burstFrames: 1600, pause: TimeSpan.FromSeconds(0.1 / speed));

    public static RecognizeRequest Config(uint rate = 16_000, uint channels = 1, AudioEncoding encoding = AudioEncoding.S16Le, string sessionId = "") =>
        new() { Config = new RecognizeConfig { Format = new PcmFormat { SampleRate = rate, Channels = channels, Encoding = encoding }, SessionId = sessionId } };

    public static RecognizeRequest Audio(ReadOnlySpan<byte> bytes) => new() { Audio = ByteString.CopyFrom(bytes) };

    /// <summary>Reads a stream to its end.</summary>
    public static async Task<List<T>> ReadAll<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        while (await stream.MoveNext(cancellationToken))
        {
            items.Add(stream.Current);
        }

        return items;
    }

    /// <summary>Sends requests, completes the request stream, and reads every response.</summary>
    public static async Task<List<RecognizeResponse>> Recognize(Recognizer.RecognizerClient client, IEnumerable<RecognizeRequest> requests, CancellationToken cancellationToken, TimeSpan pause = default)
    {
        using var call = client.Recognize(cancellationToken: cancellationToken);
        var responses = ReadAll(call.ResponseStream, cancellationToken);
        try
        {
            foreach (var request in requests)
            {
                await call.RequestStream.WriteAsync(request, cancellationToken);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, cancellationToken);
                }
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call early; its status comes with the responses.
        }
        catch (InvalidOperationException)
        {
            // Writing after the call ended; its status comes with the responses.
        }

        return await responses;
    }

    /// <summary>Splits bytes into messages of the given size (the last may be shorter).</summary>
    public static IEnumerable<RecognizeRequest> Chunks(byte[] bytes, int size)
    {
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            yield return Audio(bytes.AsSpan(offset, Math.Min(size, bytes.Length - offset)));
        }
    }
}
