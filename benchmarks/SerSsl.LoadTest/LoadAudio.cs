using Google.Protobuf;
using SerSsl.Core.Audio;

namespace SerSsl.LoadTest;

/// <summary>A recording as 16 kHz mono s16le messages of a fixed length, built once and shared by every stream.</summary>
internal sealed class LoadAudio
{
    public const int SampleRate = 16_000;

    private LoadAudio(ByteString[] blocks, int blockSamples, string source)
    {
        Blocks = blocks;
        BlockSamples = blockSamples;
        Source = source;
    }

    /// <summary>The messages, in order; a stream loops over them.</summary>
    public ByteString[] Blocks { get; }

    /// <summary>Samples per message.</summary>
    public int BlockSamples { get; }

    /// <summary>Where the audio came from.</summary>
    public string Source { get; }

    /// <summary>Seconds per message.</summary>
    public double BlockSeconds => (double)BlockSamples / SampleRate;

    public static LoadAudio Load(string wavPath, int blockMilliseconds)
    {
        var audio = WavFile.ReadMono(wavPath);
        if (audio.SampleRate != SampleRate)
        {
            throw new ArgumentException($"{wavPath} is {audio.SampleRate} Hz; the load harness sends 16 kHz audio (samples/demo.wav is).");
        }

        var blockSamples = SampleRate * blockMilliseconds / 1000;
        var count = audio.Samples.Length / blockSamples;
        var bytes = new byte[count * blockSamples * 2];
        for (var i = 0; i < count * blockSamples; i++)
        {
            var value = (short)Math.Clamp(MathF.Round(audio.Samples[i] * 32767f), short.MinValue, short.MaxValue);
            bytes[2 * i] = (byte)value;
            bytes[(2 * i) + 1] = (byte)(value >> 8);
        }

        var blocks = new ByteString[count];
        for (var b = 0; b < count; b++)
        {
            blocks[b] = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(b * blockSamples * 2, blockSamples * 2));
        }

        return new LoadAudio(blocks, blockSamples, wavPath);
    }
}
