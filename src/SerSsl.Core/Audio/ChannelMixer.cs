namespace SerSsl.Core.Audio;

/// <summary>
/// Mixes interleaved multichannel audio to mono: the one implementation that the WAV and Opus readers (training,
/// offline evaluation) and the streaming feature stage (serving) all use, so that both sides agree to the last bit.
/// </summary>
public static class ChannelMixer
{
    /// <summary>
    /// Writes the mean of each frame of <paramref name="interleaved"/> to <paramref name="mono"/>: the sum of the
    /// frame's samples divided by <paramref name="channels"/> (for two channels, the sum times 0.5, which is the same
    /// value). A trailing partial frame is ignored.
    /// </summary>
    /// <param name="interleaved">Frames of <paramref name="channels"/> samples each.</param>
    /// <param name="channels">Samples per frame, at least 1.</param>
    /// <param name="mono">At least <c>interleaved.Length / channels</c> values.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="mono"/> is too short.</exception>
    public static void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        var frames = interleaved.Length / channels;
        if (mono.Length < frames)
        {
            throw new ArgumentException($"{frames} frames need {frames} mono values; got room for {mono.Length}.", nameof(mono));
        }

        switch (channels)
        {
            case 1:
                interleaved[..frames].CopyTo(mono);
                return;
            case 2:
                for (int f = 0, i = 0; f < frames; f++, i += 2)
                {
                    mono[f] = (interleaved[i] + interleaved[i + 1]) * 0.5f;
                }

                return;
            default:
                for (int f = 0, i = 0; f < frames; f++, i += channels)
                {
                    var sum = 0f;
                    for (var c = 0; c < channels; c++)
                    {
                        sum += interleaved[i + c];
                    }

                    mono[f] = sum / channels;
                }

                return;
        }
    }
}
