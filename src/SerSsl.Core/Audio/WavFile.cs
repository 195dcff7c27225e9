namespace SerSsl.Core.Audio;

/// <summary>Whole-file WAV helpers for offline tools; streaming code should use <see cref="WavReader"/> and <see cref="WavWriter"/>.</summary>
public static class WavFile
{
    /// <summary>Reads a whole WAV file into memory, averaging its channels to mono.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The mono samples and the sample rate.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WavFormatException">The file is malformed, truncated or in an unsupported format.</exception>
    /// <exception cref="NotSupportedException">The file has more frames than an array can hold; stream it with <see cref="WavReader"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static MonoAudio ReadMono(string path)
    {
        using var reader = WavReader.Open(path);
        return AudioReader.ReadAllMono(reader, path);
    }

    /// <summary>Writes interleaved samples to a new WAV file, replacing any file already there.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="samples">Interleaved samples; the length must be a multiple of <paramref name="channels"/>.</param>
    /// <param name="sampleRate">Sample frames per second, 1 to <see cref="WavReader.MaxSampleRate"/>.</param>
    /// <param name="format">How samples are stored; see <see cref="WavWriter.Write(ReadOnlySpan{float})"/> for clipping.</param>
    /// <param name="channels">Interleaved channels, 1 to <see cref="WavReader.MaxChannels"/>.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="path"/> is null or empty, or the sample count is not a multiple of <paramref name="channels"/>.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A format argument is out of range.</exception>
    /// <exception cref="InvalidOperationException">The data would exceed the 4 GiB a RIFF file can hold.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, WavSampleFormat format, int channels = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames.", nameof(samples));
        }

        using var writer = WavWriter.Create(path, sampleRate, channels, format);
        writer.Write(samples);
    }
}
