using System.Globalization;
using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Sources;

/// <summary>
/// How every file-backed source (<see cref="WavFileSource"/>, <see cref="PlaylistSource"/>) opens and reads an audio file:
/// by content through Core's <see cref="AudioReader"/>, its format checked, and each failure turned into an
/// <see cref="AudioSourceException"/> that names the file.
/// </summary>
internal static class AudioFileAccess
{
    /// <summary>Opens <paramref name="path"/> for streaming reads and checks its rate and channel count.</summary>
    /// <param name="path">The file.</param>
    /// <param name="missingAdvice">What to say after "No such audio file: 'PATH'." when the file does not exist.</param>
    /// <returns>The reader; the caller disposes it.</returns>
    /// <exception cref="AudioSourceException">The file is missing, unreadable, not audio, or in an unsupported format.</exception>
    public static IAudioReader Open(string path, string missingAdvice)
    {
        if (Directory.Exists(path))
        {
            throw new AudioSourceException($"'{path}' is a directory, not an audio file. Give one recording (WAV or Ogg Opus).");
        }

        if (!File.Exists(path))
        {
            throw new AudioSourceException($"No such audio file: '{path}'. {missingAdvice}");
        }

        IAudioReader reader;
        try
        {
            reader = AudioReader.Open(path);
        }
        catch (WavFormatException ex)
        {
            throw new AudioSourceException($"'{path}' is not an audio file this program can read: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new AudioSourceException($"Cannot read '{path}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new AudioSourceException($"Cannot read '{path}': {ex.Message}", ex);
        }

        try
        {
            new AudioFormat(reader.SampleRate, reader.Channels).Validate();
        }
        catch (AudioSourceException ex)
        {
            reader.Dispose();
            throw new AudioSourceException($"'{path}': {ex.Message}", ex);
        }

        return reader;
    }

    /// <summary>Reads the next samples of an open file: interleaved as stored, or downmixed to mono (the mean of each frame's channels).</summary>
    /// <param name="reader">A reader from <see cref="Open"/>.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="mono">True to downmix.</param>
    /// <returns>The number of samples written; 0 at the end of the file.</returns>
    /// <exception cref="AudioSourceException">The file is damaged or cannot be read.</exception>
    public static int Read(IAudioReader reader, Span<float> destination, string path, bool mono)
    {
        var framesBefore = reader.FramesRead;
        try
        {
            return mono ? reader.ReadMono(destination) : reader.Read(destination);
        }
        catch (WavFormatException ex)
        {
            throw new AudioSourceException(string.Create(CultureInfo.InvariantCulture, $"'{path}' is damaged after {framesBefore} sample frames: {ex.Message}"), ex);
        }
        catch (IOException ex)
        {
            throw new AudioSourceException($"Reading '{path}' failed: {ex.Message}", ex);
        }
    }
}
