namespace SerSsl.Client;

/// <summary>The format of the float samples given to <see cref="SerSslClient.RecognizeAsync"/>: interleaved, in [-1, 1].</summary>
/// <param name="SampleRate">Samples per second per channel, 8000 to 192000.</param>
/// <param name="Channels">Interleaved channels, 1 to 32 (the server downmixes to mono).</param>
public readonly record struct ClientAudioFormat(int SampleRate, int Channels)
{
    /// <summary>The lowest sample rate the server takes.</summary>
    public const int MinSampleRate = 8000;

    /// <summary>The highest sample rate the server takes.</summary>
    public const int MaxSampleRate = 192000;

    /// <summary>The most channels the server takes.</summary>
    public const int MaxChannels = 32;

    /// <summary>16 kHz mono, the rate of the bundled model.</summary>
    public static ClientAudioFormat Mono16k { get; } = new(16000, 1);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate or the channel count is outside what the server takes.</exception>
    internal void Validate()
    {
        if (SampleRate is < MinSampleRate or > MaxSampleRate)
        {
            throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, $"The sample rate must be {MinSampleRate} to {MaxSampleRate} Hz.");
        }

        if (Channels is < 1 or > MaxChannels)
        {
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, $"The channel count must be 1 to {MaxChannels}.");
        }
    }
}
