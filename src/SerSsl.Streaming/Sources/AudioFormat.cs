using System.Globalization;

namespace SerSsl.Streaming.Sources;

/// <summary>The sample rate and channel count of a source's interleaved float samples.</summary>
/// <param name="SampleRate">Samples per second per channel, 8,000 to 192,000 (the resampler's range).</param>
/// <param name="Channels">Interleaved channels, 1 to 32; the pipeline downmixes to mono.</param>
public sealed record AudioFormat(int SampleRate, int Channels)
{
    /// <summary>Smallest supported input rate in Hz: the resampler's, since every input is resampled to the model's rate.</summary>
    public const int MinSampleRate = SerSsl.Core.Audio.Resampler.MinSampleRate;

    /// <summary>Largest supported input rate in Hz: the resampler's.</summary>
    public const int MaxSampleRate = SerSsl.Core.Audio.Resampler.MaxSampleRate;

    /// <summary>Largest supported channel count.</summary>
    public const int MaxChannels = 32;

    /// <summary>Checks the values.</summary>
    /// <exception cref="AudioSourceException">The rate or the channel count is out of range.</exception>
    public void Validate()
    {
        if (SampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new AudioSourceException($"Sample rate {SampleRate.ToString(CultureInfo.InvariantCulture)} Hz is not supported; use {MinSampleRate.ToString(CultureInfo.InvariantCulture)} to {MaxSampleRate.ToString(CultureInfo.InvariantCulture)} Hz.");
        }

        if (Channels is < 1 or > MaxChannels)
        {
            throw new AudioSourceException($"{Channels.ToString(CultureInfo.InvariantCulture)} channels are not supported; use 1 to {MaxChannels.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SampleRate} Hz, {Channels} ch");
}
