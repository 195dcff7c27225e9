using System.Buffers.Binary;
using SerSsl.Core.Audio;
using SerSsl.Core.Audio.Ogg;
using SerSsl.TestSupport;

namespace SerSsl.Core.Tests.Audio;

/// <summary>Ogg Opus files made by Debian's <c>opusenc</c>, decoded by <c>opusdec</c> for reference, and tools to take their pages apart.</summary>
internal static class OggOpusTestFiles
{
    /// <summary>A signal with speech-like structure: a gliding harmonic tone under a syllable-rate envelope, plus a little noise.</summary>
    public static float[] SpeechLike(int sampleRate, double seconds, int seed = 1)
    {
        var random = new Random(seed);
        var samples = new float[(int)(sampleRate * seconds)];
        var phase = 0.0;
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / sampleRate;
            var f0 = 140 + (40 * Math.Sin(2 * Math.PI * 0.7 * t));
            phase += 2 * Math.PI * f0 / sampleRate;
            var envelope = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 4 * t));
            var voiced = (0.5 * Math.Sin(phase)) + (0.25 * Math.Sin(2 * phase)) + (0.12 * Math.Sin(3 * phase));
            samples[i] = (float)((0.5 * envelope * voiced) + (0.01 * ((random.NextDouble() * 2) - 1)));
        }

        return samples;
    }

    /// <summary>Encodes interleaved samples with opusenc and returns the .opus path (the test skips without opus-tools).</summary>
    public static string Encode(string dir, string name, float[] interleaved, int sampleRate, int channels, params string[] options)
    {
        var opusenc = ExternalTools.Require("opusenc", "opus-tools");
        var wav = Path.Combine(dir, name + ".wav");
        WavFile.Write(wav, interleaved, sampleRate, WavSampleFormat.Pcm16, channels);
        var opus = Path.Combine(dir, name + ".opus");
        ExternalTools.Run(opusenc, [.. options, "--quiet", wav, opus]);
        return opus;
    }

    /// <summary>Decodes with <c>opusdec --rate 48000 --float</c>: libopus's own output at 48 kHz, interleaved, no dither.</summary>
    public static float[] ReferenceDecode(string opus)
    {
        var opusdec = ExternalTools.Require("opusdec", "opus-tools");
        var wav = Path.ChangeExtension(opus, ".ref.wav");
        ExternalTools.Run(opusdec, "--quiet", "--rate", "48000", "--float", opus, wav);
        using var reader = WavReader.Open(wav);
        return WavStreams.ReadAll(reader);
    }

    /// <summary>Signal-to-noise ratio of <paramref name="actual"/> against <paramref name="expected"/>, in dB.</summary>
    public static double SnrDb(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double signal = 0, noise = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            signal += (double)expected[i] * expected[i];
            var d = (double)expected[i] - actual[i];
            noise += d * d;
        }

        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>Splits an Ogg file into its pages (each a copy).</summary>
    public static List<byte[]> Pages(byte[] file)
    {
        var pages = new List<byte[]>();
        var at = 0;
        while (at < file.Length)
        {
            var size = OggPageReader.HeaderBytes + file[at + 26];
            for (var i = 0; i < file[at + 26]; i++)
            {
                size += file[at + OggPageReader.HeaderBytes + i];
            }

            pages.Add(file.AsSpan(at, size).ToArray());
            at += size;
        }

        return pages;
    }

    /// <summary>Writes a correct CRC into a page after its bytes were changed.</summary>
    public static byte[] WithCrc(byte[] page)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggPageReader.PageCrc(page));
        return page;
    }

    /// <summary>Joins pages into a file.</summary>
    public static byte[] Join(IEnumerable<byte[]> pages) => [.. pages.SelectMany(static p => p)];
}
