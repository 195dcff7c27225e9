using System.Globalization;
using SerSsl.Core.Audio;

namespace SerSsl.Streaming.Sources;

/// <summary>
/// Audio from any readable stream (<c>--source stdin</c> uses it on stdin; a pipe, a socket or a file stream work the
/// same): raw interleaved PCM in a format given by the caller, or a file format recognised by its content: WAV or Ogg
/// Opus. Lossless: the pipeline reads as fast as it consumes, and a writer that is faster
/// simply waits on the pipe.
/// </summary>
/// <remarks>
/// WAV input may be several WAV files one after another (<c>cat a.wav b.wav | sers listen --source stdin --stdin-format wav</c>):
/// each must declare its data size, and all must share one sample rate and channel count. A file whose format differs
/// from the first ends the source with an <see cref="AudioSourceException"/> that names both formats and the byte
/// offset, after every sample before it has been delivered. A WAV header with the streaming "unknown length" marker is
/// read to the end of the input. An Ogg Opus stream (<c>opusenc in.wav - | sers listen --source stdin --stdin-format wav</c>)
/// is read to its last page, and ends the input.
/// </remarks>
public sealed class StreamAudioSource : IAudioSource
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _wav;
    private readonly RawPcmDecoder? _raw;
    private readonly byte[] _bytes = new byte[16_384];
    private IAudioReader? _reader;
    private long _bytesConsumed;
    private bool _ended;

    /// <summary>Creates a raw PCM source.</summary>
    /// <param name="stream">The input, e.g. <see cref="Console.OpenStandardInput()"/>.</param>
    /// <param name="format">Sample rate and channels of the raw data.</param>
    /// <param name="encoding">Sample encoding.</param>
    /// <param name="ownsStream">True to dispose <paramref name="stream"/> with the source.</param>
    public StreamAudioSource(Stream stream, AudioFormat format, RawSampleEncoding encoding, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        format.Validate();
        _stream = stream;
        _ownsStream = ownsStream;
        _raw = new RawPcmDecoder(encoding, format.Channels);
        Format = format;
    }

    /// <summary>Creates a WAV or Ogg Opus source (one or more WAV files back to back, or one Opus stream).</summary>
    /// <param name="stream">The input.</param>
    /// <param name="ownsStream">True to dispose <paramref name="stream"/> with the source.</param>
    public StreamAudioSource(Stream stream, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        _wav = true;
        Format = new AudioFormat(16_000, 1);
    }

    /// <inheritdoc />
    public string Description => _wav ? "stdin (WAV)" : string.Create(CultureInfo.InvariantCulture, $"stdin (raw {_raw!.EncodingName}, {Format})");

    /// <inheritdoc />
    public AudioFormat Format { get; private set; }

    /// <inheritdoc />
    public bool IsLive => false;

    /// <inheritdoc />
    public ValueTask OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_wav)
        {
            _reader = OpenWav(null) ?? throw new AudioSourceException("stdin is empty: no WAV or Ogg Opus header arrived. Pipe a WAV or Opus file in, or use --stdin-format s16le|f32le for raw PCM.");
            Format = new AudioFormat(_reader.SampleRate, _reader.Channels);
            Format.Validate();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_ended)
        {
            return 0;
        }

        return _wav ? ReadWav(destination.Span) : await ReadRawAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _reader = null;
        if (_ownsStream)
        {
            _stream.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private int ReadWav(Span<float> destination)
    {
        while (_reader is not null)
        {
            int read;
            try
            {
                read = _reader.Read(destination);
            }
            catch (WavFormatException ex)
            {
                throw new AudioSourceException($"{_reader.Codec} data on stdin is damaged: {ex.Message}", ex);
            }

            if (read > 0)
            {
                return read;
            }

            var previous = _reader;
            previous.Dispose();
            if (previous is not WavReader wav)
            {
                // An Ogg Opus stream ends the input: it knows no "next file" (a chained stream has been refused).
                _reader = null;
                break;
            }

            _bytesConsumed += wav.BlockAlign * wav.FramesRead;
            _reader = OpenWav(Format);
        }

        _ended = true;
        return 0;
    }

    /// <summary>Opens the next WAV (or Ogg Opus) file of the stream; null at the end of the input.</summary>
    private IAudioReader? OpenWav(AudioFormat? expected)
    {
        // Peek one byte so that a clean end of input is not reported as a malformed header.
        var first = _stream.ReadByte();
        if (first < 0)
        {
            return null;
        }

        IAudioReader reader;
        try
        {
            reader = AudioReader.Open(new PrefixedReadStream([(byte)first], _stream, leaveInnerOpen: true));
        }
        catch (WavFormatException ex)
        {
            var where = expected is null ? "at the start of stdin" : string.Create(CultureInfo.InvariantCulture, $"after {_bytesConsumed} bytes of audio data on stdin");
            throw new AudioSourceException($"Expected a WAV or Ogg Opus header {where}: {ex.Message} Raw PCM needs --stdin-format s16le|f32le with --rate and --channels.", ex);
        }

        if (expected is not null && (reader.SampleRate != expected.SampleRate || reader.Channels != expected.Channels))
        {
            var found = new AudioFormat(reader.SampleRate, reader.Channels);
            reader.Dispose();
            throw new AudioSourceException(string.Create(CultureInfo.InvariantCulture, $"The audio format on stdin changed mid-stream after {_bytesConsumed} bytes of audio data: from {expected} to {found}. A session keeps one format; start a new session for the new format."));
        }

        return reader;
    }

    private async ValueTask<int> ReadRawAsync(Memory<float> destination, CancellationToken cancellationToken)
    {
        var raw = _raw!;
        var maxFrames = destination.Length / Format.Channels;
        while (true)
        {
            // Never read more bytes than complete the frames the destination can take.
            var room = Math.Min(_bytes.Length, (maxFrames * raw.FrameBytes) - raw.PendingBytes);
            var got = await _stream.ReadAsync(_bytes.AsMemory(0, room), cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                _ended = true;
                return raw.TryEnd("stdin", out var message) ? 0 : throw new AudioSourceException($"{message} Check --stdin-format and --channels.");
            }

            var samples = raw.Decode(_bytes.AsSpan(0, got), destination.Span);
            if (samples > 0)
            {
                return samples;
            }
        }
    }
}
