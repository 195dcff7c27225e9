namespace SerSsl.Core.Audio;

/// <summary>
/// Thrown when a WAV file or stream is malformed, truncated, or uses a format this reader does not support
/// (for example mu-law, ADPCM, RIFX or RF64). The message says what was wrong, at which byte offset, and what to do.
/// </summary>
/// <remarks>
/// This is the only exception <see cref="WavReader"/> raises for bad content; I/O failures of the underlying stream
/// surface as <see cref="IOException"/> unchanged.
/// </remarks>
public sealed class WavFormatException : FormatException
{
    /// <summary>Creates an exception with a generic message and an unknown offset (<see cref="ByteOffset"/> is -1).</summary>
    public WavFormatException()
        : this("The WAV data is malformed.", -1)
    {
    }

    /// <summary>Creates an exception with the given message and an unknown offset (<see cref="ByteOffset"/> is -1).</summary>
    /// <param name="message">What was wrong.</param>
    public WavFormatException(string message)
        : this(message, -1)
    {
    }

    /// <summary>Creates an exception with the given message and cause, and an unknown offset.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The underlying cause.</param>
    public WavFormatException(string message, Exception innerException)
        : this(message, -1, null, innerException)
    {
    }

    /// <summary>Creates an exception for a problem at a known place.</summary>
    /// <param name="message">What was wrong, where, and what to do.</param>
    /// <param name="byteOffset">
    /// The offset of the offending bytes, counted from where the reader started (the start of the file), or -1 if unknown.
    /// </param>
    /// <param name="filePath">The file being read, or null for a stream.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public WavFormatException(string message, long byteOffset, string? filePath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ByteOffset = byteOffset;
        FilePath = filePath;
    }

    /// <summary>
    /// The byte offset of the problem, counted from where the reader started (for a file, its start); -1 if unknown.
    /// For a bad field it is the offset of that field; when the stream ends too early it is the offset where it ended;
    /// for a trailing partial sample frame it is the offset of that frame.
    /// </summary>
    public long ByteOffset { get; }

    /// <summary>The path of the file being read, or null when reading a stream.</summary>
    public string? FilePath { get; }
}
