namespace SerSsl.Streaming.Inference;

/// <summary>The model cannot be run as asked (device unavailable, graph rejected by ONNX Runtime); the message says what to do.</summary>
public sealed class InferenceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InferenceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened and what to do.</param>
    public InferenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public InferenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
