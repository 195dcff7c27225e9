namespace SerSsl.Core.Models;

/// <summary>A model bundle is missing, incomplete or does not fit this runtime. The message names the file and the problem.</summary>
public sealed class ModelBundleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelBundleException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The file and the problem.</param>
    public ModelBundleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The file and the problem.</param>
    /// <param name="innerException">The cause.</param>
    public ModelBundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one file of a bundle.</summary>
    /// <param name="filePath">The file at fault.</param>
    /// <param name="problem">What is wrong and what to do.</param>
    public ModelBundleException(string filePath, string problem)
        : base($"{filePath}: {problem}")
    {
        FilePath = filePath;
    }

    /// <summary>Creates the exception for one file of a bundle, with the cause.</summary>
    /// <param name="filePath">The file at fault.</param>
    /// <param name="problem">What is wrong and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public ModelBundleException(string filePath, string problem, Exception innerException)
        : base($"{filePath}: {problem}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file at fault, when one is.</summary>
    public string? FilePath { get; }
}
