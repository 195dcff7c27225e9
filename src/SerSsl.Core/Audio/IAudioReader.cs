namespace SerSsl.Core.Audio;

/// <summary>
/// A pull reader of decoded audio from a file or stream, in the style of NAudio's <c>ISampleProvider</c>: each read
/// fills a span with float samples and returns how many it wrote, 0 at the end. Implemented by <see cref="WavReader"/>
/// (RIFF/WAVE) and <see cref="OggOpusReader"/> (Ogg Opus); <see cref="AudioReader.Open(string)"/> picks one by content.
/// </summary>
/// <remarks>Bad content raises <see cref="WavFormatException"/> from every implementation. Instances are not thread-safe.</remarks>
public interface IAudioReader : IDisposable
{
    /// <summary>Sample frames per second of the decoded audio (48,000 for Opus, which always decodes at 48 kHz).</summary>
    public int SampleRate { get; }

    /// <summary>The number of interleaved channels.</summary>
    public int Channels { get; }

    /// <summary>The number of sample frames, or null when it is not known before the end is read.</summary>
    public long? FrameCount { get; }

    /// <summary>The number of sample frames returned so far.</summary>
    public long FramesRead { get; }

    /// <summary>The container and codec in a few words, for example "WAV, PCM 16-bit" or "Ogg Opus".</summary>
    public string Codec { get; }

    /// <summary>Reads interleaved samples; only whole frames are written.</summary>
    /// <param name="destination">Where to write; must hold at least one frame (<see cref="Channels"/> samples).</param>
    /// <returns>The number of samples written (a multiple of <see cref="Channels"/>), or 0 at the end.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than one frame.</exception>
    /// <exception cref="WavFormatException">The data is damaged; samples before the damage were returned by earlier calls.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public int Read(Span<float> destination);

    /// <summary>Reads samples downmixed to mono (the mean of each frame's channels).</summary>
    /// <param name="destination">Where to write one sample per frame; must not be empty.</param>
    /// <returns>The number of samples (= frames) written, or 0 at the end.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is empty.</exception>
    /// <exception cref="WavFormatException">The data is damaged; samples before the damage were returned by earlier calls.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public int ReadMono(Span<float> destination);
}
