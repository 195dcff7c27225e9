namespace SerSsl.Core.Audio;

/// <summary>How the samples in a WAV file's <c>data</c> chunk are encoded.</summary>
public enum WavEncoding
{
    /// <summary>
    /// Linear PCM integers: unsigned for 8-bit containers, two's-complement signed for 16, 24 and 32-bit containers.
    /// </summary>
    Pcm = 1,

    /// <summary>IEEE 754 floating point, 32 or 64 bits, nominally in [-1, 1].</summary>
    IeeeFloat = 3,
}
