using System.Globalization;
using SerSsl.Core.Audio;
using SerSsl.Streaming.Sources;
using SerSsl.Streaming.Sources.Pulse;
using SerSsl.Streaming.Sources.Wasapi;

namespace SerSsl.Streaming.Commands;

/// <summary>What <c>--source</c> names: <c>mic</c>, <c>mic:NAME</c>, <c>file:PATH</c>, <c>playlist:PATH</c> or <c>stdin</c>.</summary>
/// <param name="Kind">mic, file, playlist or stdin.</param>
/// <param name="Argument">The device name, the file path or the list's path, when given.</param>
internal sealed record SourceSpec(string Kind, string? Argument)
{
    /// <summary>Parses the text of <c>--source</c>.</summary>
    /// <exception cref="FormatException">The text is none of the accepted forms.</exception>
    public static SourceSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text is "mic" or "stdin")
        {
            return new SourceSpec(text, null);
        }

        if (text.StartsWith("mic:", StringComparison.Ordinal) && text.Length > 4)
        {
            return new SourceSpec("mic", text[4..]);
        }

        if (text.StartsWith("file:", StringComparison.Ordinal) && text.Length > 5)
        {
            return new SourceSpec("file", text[5..]);
        }

        if (text.StartsWith("playlist:", StringComparison.Ordinal) && text.Length > 9)
        {
            return new SourceSpec("playlist", text[9..]);
        }

        throw new FormatException($"'{text}' is not a source: use mic, mic:NAME (a name from `sers devices`), file:PATH, playlist:PATH (a text file listing recordings, one per line) or stdin.");
    }

    /// <summary>Creates the source. The microphone is WASAPI on Windows and PulseAudio everywhere else.</summary>
    /// <param name="stdin">Raw PCM settings for stdin.</param>
    /// <param name="pacedFile">True to play a file or a playlist in real time.</param>
    /// <param name="pulseServer">A PulseAudio server string, or null for the default server; Windows has none.</param>
    /// <param name="gapSeconds">The silence between a playlist's clips.</param>
    /// <param name="sampleRate">The model's feature rate, to which a playlist's clips are resampled.</param>
    /// <returns>The source, not yet opened.</returns>
    /// <exception cref="AudioSourceException">A PulseAudio server was named on Windows.</exception>
    public IAudioSource Create(StdinSettings stdin, bool pacedFile, string? pulseServer, double gapSeconds = PlaylistSource.DefaultGapSeconds, int sampleRate = 16_000) => Kind switch
    {
        "mic" when OperatingSystem.IsWindows() => pulseServer is null
            ? WasapiMicrophone.Create(Argument)
            : throw new AudioSourceException("--pulse-server names a PulseAudio server, and on Windows the microphone is captured through WASAPI: leave it out."),
        "mic" => new PulseAudioSource(Argument, 16_000, 1, pulseServer),
        "file" => new WavFileSource(Argument!, pacedFile),
        "playlist" => new PlaylistSource(Argument!, pacedFile, gapSeconds, sampleRate),
        _ => stdin.Encoding is "wav" or "opus"
            ? new StreamAudioSource(Console.OpenStandardInput(), ownsStream: true)
            : new StreamAudioSource(
                Console.OpenStandardInput(),
                new AudioFormat(stdin.Rate, stdin.Channels),
                stdin.Encoding == "f32le" ? RawSampleEncoding.F32LE : RawSampleEncoding.S16LE,
                ownsStream: true),
    };

    /// <inheritdoc />
    public override string ToString() => Argument is null ? Kind : string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Argument}");
}

/// <summary>The format of audio on stdin: s16le, f32le, or wav/opus (recognised by content), and for raw PCM the rate and channel count.</summary>
/// <param name="Encoding">s16le, f32le, wav or opus.</param>
/// <param name="Rate">Samples per second (raw PCM).</param>
/// <param name="Channels">Interleaved channels (raw PCM).</param>
internal sealed record StdinSettings(string Encoding, int Rate, int Channels);
