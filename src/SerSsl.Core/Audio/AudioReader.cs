namespace SerSsl.Core.Audio;

/// <summary>
/// Opens audio by its content, never by its file name: RIFF/WAVE (<see cref="WavReader"/>) or Ogg Opus
/// (<see cref="OggOpusReader"/>). Anything else is refused with a <see cref="WavFormatException"/> that says what the
/// bytes look like (AIFF, FLAC, MP3 ...) and how to convert it.
/// </summary>
public static class AudioReader
{
    private const int SniffBytes = 12;

    /// <summary>What the readers accept, for help texts and error messages.</summary>
    public const string SupportedFormats = "WAV (PCM 8/16/24/32-bit or float 32/64, any rate from 8 to 192 kHz) or Ogg Opus (mono or stereo)";

    private const string ConvertAdvice = "convert it with `ffmpeg -i INPUT -c:a pcm_s16le out.wav` or `sox INPUT out.wav`";

    /// <summary>Opens an audio file for streaming reads.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A reader that owns the file handle; dispose it to close the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WavFormatException">The file is not WAV or Ogg Opus, or its header is malformed; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IAudioReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        try
        {
            return Open(stream, leaveOpen: false, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Opens audio from a stream at the start of a file; the stream need not be seekable.</summary>
    /// <param name="stream">A readable stream.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the reader is disposed.</param>
    /// <returns>The reader for the stream's format.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="WavFormatException">The stream is not WAV or Ogg Opus, or its header is malformed.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static IAudioReader Open(Stream stream, bool leaveOpen = false) => Open(stream, leaveOpen, null);

    /// <summary>Reads a whole file into memory, averaging its channels to mono.</summary>
    /// <param name="path">A WAV or Ogg Opus file.</param>
    /// <returns>The mono samples at the file's rate (48 kHz for Opus).</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WavFormatException">The file is malformed, truncated or in an unsupported format.</exception>
    /// <exception cref="NotSupportedException">The file has more frames than an array can hold.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static MonoAudio ReadMono(string path)
    {
        using var reader = Open(path);
        return ReadAllMono(reader, path);
    }

    internal static MonoAudio ReadAllMono(IAudioReader reader, string path)
    {
        const int initialCapacity = 64 * 1024;

        // Size the array from the header only when the reader has checked that length against the file.
        var verified = reader is WavReader { FrameCountIsVerified: true };
        var frames = verified ? reader.FrameCount ?? 0 : 0;
        if (frames > Array.MaxLength)
        {
            throw new NotSupportedException($"'{path}' holds {frames} frames, more than fit in one array; read it in blocks with {nameof(AudioReader)}.{nameof(Open)}.");
        }

        // An unverified count (Opus's last granule) is only a hint, capped so that a damaged header cannot allocate much.
        var hint = reader.FrameCount is long h ? (int)Math.Clamp(h + 1, initialCapacity, 1L << 24) : initialCapacity;
        var samples = new float[verified ? frames : hint];
        var count = 0;
        while (true)
        {
            if (count == samples.Length)
            {
                if (verified && count == frames)
                {
                    break;
                }

                if (count == Array.MaxLength)
                {
                    throw new NotSupportedException($"'{path}' holds more frames than fit in one array; read it in blocks with {nameof(AudioReader)}.{nameof(Open)}.");
                }

                Array.Resize(ref samples, (int)Math.Min((long)samples.Length * 2, Array.MaxLength));
            }

            var read = reader.ReadMono(samples.AsSpan(count));
            if (read == 0)
            {
                break;
            }

            count += read;
        }

        if (count != samples.Length)
        {
            Array.Resize(ref samples, count);
        }

        return new MonoAudio(samples, reader.SampleRate);
    }

    private static IAudioReader Open(Stream stream, bool leaveOpen, string? path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[SniffBytes];
        var got = 0;
        while (got < head.Length && stream.Read(head[got..]) is var n and > 0)
        {
            got += n;
        }

        head = head[..got];
        Stream source;
        if (stream.CanSeek)
        {
            stream.Seek(-got, SeekOrigin.Current);
            source = stream;
        }
        else
        {
            source = new PrefixedReadStream(head.ToArray(), stream, leaveOpen);
            leaveOpen = false;
        }

        if (head.StartsWith("OggS"u8))
        {
            return new OggOpusReader(source, leaveOpen, path, 0);
        }

        if (head.StartsWith("RIFF"u8) || head.StartsWith("RIFX"u8) || head.StartsWith("RF64"u8) || got < 4)
        {
            // WavReader reports an empty or short stream and the RIFF variants it does not read in its own words.
            return WavReader.Create(source, leaveOpen, path);
        }

        var what = Identify(head);
        var where = path is null ? "The stream" : $"'{path}'";
        throw new WavFormatException($"{where} is {what}, not WAV or Ogg Opus, whatever its name says (from byte offset 0); {ConvertAdvice}.", 0, path);
    }

    private static string Identify(ReadOnlySpan<byte> head) => head switch
    {
        _ when head.StartsWith("FORM"u8) && head.Length >= 12 && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8)) => "an AIFF file",
        _ when head.StartsWith("fLaC"u8) => "a FLAC file",
        _ when head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) => "an MP3 file",
        _ when head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8) => "an MP4/M4A file",
        _ when head.StartsWith(".snd"u8) => "a Sun/NeXT .au file",
        _ when head.StartsWith("\x1A\x45\xDF\xA3"u8) => "a Matroska/WebM file",
        _ => $"not a recognised audio file (it starts with bytes {Convert.ToHexString(head[..Math.Min(head.Length, 4)])})",
    };
}
