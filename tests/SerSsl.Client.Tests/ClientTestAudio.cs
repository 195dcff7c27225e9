using SerSsl.Core.Audio;
using SerSsl.TestSupport;

namespace SerSsl.Client.Tests;

/// <summary>The bundled demo recording and excerpts of it.</summary>
internal static class ClientTestAudio
{
    /// <summary>The synthetic demo recording (16 kHz mono, about 20 s).</summary>
    public static string Demo => Path.Combine(RepoPaths.Root, "samples", "demo.wav");

    /// <summary>The first <paramref name="seconds"/> of the demo as a 16-bit WAV file in <paramref name="directory"/>.</summary>
    public static string WriteExcerpt(string directory, double seconds, int channels = 1, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        var demo = WavFile.ReadMono(Demo);
        var excerpt = demo.Samples.AsSpan(0, (int)(seconds * demo.SampleRate)).ToArray();
        var interleaved = excerpt.SelectMany(s => Enumerable.Repeat(s, channels)).ToArray();
        var path = Path.Combine(directory, $"excerpt-{seconds:F1}s-{channels}ch-{format}.wav".Replace(',', '.'));
        WavFile.Write(path, interleaved, demo.SampleRate, format, channels);
        return path;
    }

    /// <summary>The first <paramref name="seconds"/> of the demo as 20 ms blocks of mono samples.</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<float>> Blocks(double seconds)
    {
        var demo = WavFile.ReadMono(Demo);
        var total = (int)(seconds * demo.SampleRate);
        var block = demo.SampleRate / 50;
        for (var offset = 0; offset < total; offset += block)
        {
            yield return demo.Samples.AsMemory(offset, Math.Min(block, total - offset));
            await Task.Yield();
        }
    }
}
