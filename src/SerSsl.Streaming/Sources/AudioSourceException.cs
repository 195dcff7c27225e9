namespace SerSsl.Streaming.Sources;

/// <summary>A source cannot be opened or has failed; the message says what happened and what to do about it.</summary>
public sealed class AudioSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AudioSourceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public AudioSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public AudioSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
