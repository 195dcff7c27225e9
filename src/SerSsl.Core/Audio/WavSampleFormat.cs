namespace SerSsl.Core.Audio;

/// <summary>The sample formats <see cref="WavWriter"/> can write.</summary>
public enum WavSampleFormat
{
    /// <summary>
    /// 16-bit signed PCM. Samples are clamped to [-1, 1], scaled by 32767 and rounded to nearest (ties to even);
    /// NaN is written as 0.
    /// </summary>
    Pcm16 = 1,

    /// <summary>32-bit IEEE float, written exactly as given (no clipping; NaN and infinities are kept).</summary>
    Float32 = 2,
}
