using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Tests.Evaluation;

/// <summary>Writes small synthetic corpora: short tone-plus-noise WAVs under the names a corpus uses.</summary>
internal static class CorpusFiles
{
    /// <summary>Writes a clip of <paramref name="seconds"/> at <paramref name="sampleRate"/> Hz; louder than the energy gate, so it counts as speech.</summary>
    public static string Wav(string root, string relativePath, double seconds = 1.2, int sampleRate = 16_000, int channels = 1, int seed = 0)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var frames = (int)Math.Round(seconds * sampleRate);
        var samples = new float[frames * channels];
        var random = new Random(seed);
        var frequency = 150 + (37 * (seed % 11));
        for (var i = 0; i < frames; i++)
        {
            var value = (float)((0.3 * Math.Sin(2 * Math.PI * frequency * i / sampleRate)) + (0.05 * ((random.NextDouble() * 2) - 1)));
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = c == 0 ? value : value * 0.5f;
            }
        }

        WavFile.Write(path, samples, sampleRate, WavSampleFormat.Pcm16, channels);
        return path;
    }

    /// <summary>Writes the first bytes of an AIFF file (FORM ... AIFF, COMM) under <paramref name="relativePath"/>, which may end in .wav.</summary>
    public static string Aiff(string root, string relativePath)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        byte[] header = [.. "FORM"u8, 0, 0, 0, 46, .. "AIFF"u8, .. "COMM"u8, 0, 0, 0, 18, 0, 1, 0, 0, 0, 100, 0, 16, 0x40, 0x0C, 0xFA, 0, 0, 0, 0, 0, 0, 0, .. "SSND"u8, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
        File.WriteAllBytes(path, header);
        return path;
    }

    /// <summary>Writes a text file (a CSV list, a note) under <paramref name="relativePath"/>.</summary>
    public static string Text(string root, string relativePath, string text)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
