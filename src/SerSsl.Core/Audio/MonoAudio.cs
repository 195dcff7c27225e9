namespace SerSsl.Core.Audio;

/// <summary>A whole mono recording held in memory, as returned by <see cref="WavFile.ReadMono(string)"/>.</summary>
/// <param name="Samples">The samples, nominally in [-1, 1]; one per sample frame (channels already averaged).</param>
/// <param name="SampleRate">Samples per second.</param>
public sealed record MonoAudio(float[] Samples, int SampleRate)
{
    /// <summary>The length of the recording.</summary>
    public TimeSpan Duration => WavReader.FramesToDuration(Samples.LongLength, SampleRate);
}
