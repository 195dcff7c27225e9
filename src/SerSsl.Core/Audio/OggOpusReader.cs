using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using Concentus.Structs;
using SerSsl.Core.Audio.Internal;
using SerSsl.Core.Audio.Ogg;

namespace SerSsl.Core.Audio;

/// <summary>
/// Streams decoded samples out of an Ogg Opus file (RFC 7845) as 48 kHz floats, without loading the file. The Opus
/// codec is Concentus (a C# port of libopus); the Ogg pages are read by our own page reader, which checks every CRC.
/// </summary>
/// <remarks>
/// <para>
/// Follows RFC 7845: the identification header (<c>OpusHead</c>) alone on the first page, the comment header
/// (<c>OpusTags</c>, skipped without being held in memory, however large its pictures), then audio packets. The first
/// <see cref="PreSkip"/> decoded samples are discarded; on the last page the granule position trims the end, so the
/// output has exactly the encoder's input length (at 48 kHz). The header's output gain is applied.
/// </para>
/// <para>
/// Mono and stereo streams (channel mapping family 0) are read. Multiple logical streams (an Opus track beside video),
/// chained streams (one stream after another), other channel mappings and other codecs are refused, as are damaged
/// pages (bad CRC, missing pages, a file cut short inside a page), each with <see cref="WavFormatException"/> naming the
/// problem and the byte offset. Buffers are fixed (one page, one packet of at most <see cref="MaxPacketBytes"/>, one
/// decoded frame of 120 ms); no size field ever sizes an allocation. Instances are not thread-safe.
/// </para>
/// </remarks>
public sealed class OggOpusReader : IAudioReader
{
    /// <summary>The rate every Opus stream decodes at, in Hz.</summary>
    public const int DecodeRate = 48_000;

    /// <summary>The largest audio packet accepted: 120 ms of 1,275-byte frames fits with room to spare.</summary>
    public const int MaxPacketBytes = 128 * 1024;

    private const int MaxFrameSamples = 5760; // 120 ms at 48 kHz, the longest Opus packet
    private const int IdHeaderBytes = 19;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string? _path;
    private readonly OggPageReader _pages;
    private readonly OpusDecoder _decoder;
    private readonly uint _serial;
    private readonly float _gainFactor;

    private byte[]? _packet;
    private float[]? _pcm;
    private OggPage _page;
    private bool _havePage;
    private int _segment;
    private int _bodyPosition;
    private uint _nextSequence;
    private int _pcmStart;
    private int _pcmCount;
    private long _decodedTotal;
    private long _skipRemaining;
    private long _framesRead;
    private bool _ended;
    private WavFormatException? _fault;

    /// <summary>Reads the headers of an Ogg Opus stream and positions the reader at the first audio packet.</summary>
    /// <param name="stream">A readable stream at the start of the file; it need not be seekable (when it is,
    /// <see cref="FrameCount"/> is read from the last page).</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the reader is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="WavFormatException">The headers are malformed or unsupported; the stream is then left open.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public OggOpusReader(Stream stream, bool leaveOpen = false)
        : this(stream, leaveOpen, null, 0)
    {
    }

    internal OggOpusReader(Stream stream, bool leaveOpen, string? path, long startOffset)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _path = path;
        var probeStart = stream.CanSeek ? stream.Position - startOffset : -1;
        _pages = new OggPageReader(stream, path, startOffset);
        _packet = ArrayPool<byte>.Shared.Rent(MaxPacketBytes);
        try
        {
            if (!_pages.TryReadPage(out var first))
            {
                throw _pages.Error("the stream is empty", 0);
            }

            if (!first.IsBeginning)
            {
                throw _pages.Error("the first Ogg page does not begin a stream (its beginning-of-stream flag is clear): this is the middle of an Ogg file, not its start", first.Offset + 5);
            }

            _serial = first.Serial;
            _nextSequence = first.Sequence + 1;
            ReadIdentificationHeader(first);
            // The managed decoder on purpose, not the factory's native libopus when one is installed: the same samples
            // (and so the same features) on every machine, for training and serving alike.
#pragma warning disable CS0618
            _decoder = new OpusDecoder(DecodeRate, Channels);
#pragma warning restore CS0618
            _gainFactor = OutputGainDb == 0 ? 1f : MathF.Pow(10f, (float)(OutputGainDb / 20.0));
            _skipRemaining = PreSkip;
            SkipCommentHeader();
            if (probeStart >= 0 && ProbeFinalGranule(probeStart) is long granule)
            {
                FrameCount = Math.Max(0, granule - PreSkip);
            }
        }
        catch
        {
            ReturnBuffers();
            throw;
        }
    }

    /// <inheritdoc />
    public int SampleRate => DecodeRate;

    /// <inheritdoc />
    public int Channels { get; private set; }

    /// <summary>The sample rate of the audio the encoder was given, from the header (informational: Opus always decodes at 48 kHz); 0 when unspecified.</summary>
    public int InputSampleRate { get; private set; }

    /// <summary>Samples (at 48 kHz) discarded from the start of the decoded audio, from the header.</summary>
    public int PreSkip { get; private set; }

    /// <summary>The header's output gain in dB (applied to every sample).</summary>
    public double OutputGainDb { get; private set; }

    /// <summary>
    /// The number of sample frames after pre-skip and end trimming, from the last page's granule position; null when the
    /// stream cannot seek. A file cut short has fewer.
    /// </summary>
    public long? FrameCount { get; }

    /// <inheritdoc />
    public long FramesRead => _framesRead;

    /// <inheritdoc />
    public string Codec => "Ogg Opus";

    /// <summary>Opens an Ogg Opus file for streaming reads.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A reader that owns the file handle.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WavFormatException">The headers are malformed or unsupported; the message names the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static OggOpusReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        try
        {
            return new OggOpusReader(stream, leaveOpen: false, path, 0);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public int Read(Span<float> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < Channels)
        {
            throw new ArgumentException($"The destination holds {destination.Length} samples but one frame is {Channels} samples.", nameof(destination));
        }

        var wanted = destination.Length / Channels * Channels;
        var written = 0;
        while (written < wanted && EnsureDecoded())
        {
            var n = Math.Min(_pcmCount, wanted - written);
            _pcm.AsSpan(_pcmStart, n).CopyTo(destination[written..]);
            _pcmStart += n;
            _pcmCount -= n;
            written += n;
        }

        ThrowFaultIfNothingRead(written);
        _framesRead += written / Channels;
        return written;
    }

    /// <inheritdoc />
    public int ReadMono(Span<float> destination)
    {
        if (Channels == 1)
        {
            return Read(destination);
        }

        ThrowIfDisposed();
        if (destination.IsEmpty)
        {
            throw new ArgumentException("The destination must hold at least one sample.", nameof(destination));
        }

        var frames = 0;
        while (frames < destination.Length && EnsureDecoded())
        {
            var n = Math.Min(_pcmCount / Channels, destination.Length - frames);
            ChannelMixer.Downmix(_pcm.AsSpan(_pcmStart, n * Channels), Channels, destination.Slice(frames, n));
            _pcmStart += n * Channels;
            _pcmCount -= n * Channels;
            frames += n;
        }

        ThrowFaultIfNothingRead(frames);
        _framesRead += frames;
        return frames;
    }

    /// <summary>Returns the reader's buffers and closes the stream unless it was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (_packet is null)
        {
            return;
        }

        ReturnBuffers();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private static bool StartsWith(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic) => data.Length >= magic.Length && data[..magic.Length].SequenceEqual(magic);

    private static string NameCodec(ReadOnlySpan<byte> packet) => packet switch
    {
        _ when StartsWith(packet, "\x01vorbis"u8) => "Vorbis",
        _ when StartsWith(packet, "\x7FFLAC"u8) => "FLAC",
        _ when StartsWith(packet, "Speex   "u8) => "Speex",
        _ when StartsWith(packet, "\x80theora"u8) => "Theora video",
        _ => "an unknown codec",
    };

    private void ReadIdentificationHeader(OggPage first)
    {
        var lacing = first.Lacing.Span;
        var length = 0;
        var index = 0;
        while (index < lacing.Length)
        {
            length += lacing[index];
            if (lacing[index++] < 255)
            {
                break;
            }
        }

        var head = first.Body.Span[..length];
        if (!StartsWith(head, "OpusHead"u8))
        {
            throw _pages.Error($"the Ogg stream holds {NameCodec(head)}, not Opus; only Ogg Opus is read (convert with `opusenc in.wav out.opus` or `ffmpeg -i in.ogg -c:a libopus out.opus`)", first.Offset + OggPageReader.HeaderBytes + lacing.Length);
        }

        var headOffset = first.Offset + OggPageReader.HeaderBytes + lacing.Length;
        if (index != lacing.Length || lacing[^1] == 255)
        {
            throw _pages.Error("the OpusHead packet is not alone on the first page (RFC 7845 section 3)", first.Offset);
        }

        if (head.Length < IdHeaderBytes)
        {
            throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"the OpusHead packet has {head.Length} bytes, fewer than the {IdHeaderBytes} it needs"), headOffset);
        }

        var version = head[8];
        if (version >> 4 != 0)
        {
            throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"OpusHead version {version} is not supported (major version {version >> 4}; this reader knows version 0.x)"), headOffset + 8);
        }

        Channels = head[9];
        PreSkip = BinaryPrimitives.ReadUInt16LittleEndian(head[10..]);
        InputSampleRate = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(head[12..]), int.MaxValue);
        OutputGainDb = BinaryPrimitives.ReadInt16LittleEndian(head[16..]) / 256.0;
        var family = head[18];
        if (Channels == 0)
        {
            throw _pages.Error("the OpusHead packet declares 0 channels", headOffset + 9);
        }

        if (family != 0 || Channels > 2)
        {
            throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"channel mapping family {family} with {Channels} channels is not supported; only mono and stereo streams (family 0) are read. Re-encode with `opusenc --downmix-stereo` or `ffmpeg -i in.opus -ac 2 out.opus`"), headOffset + 18);
        }
    }

    private void SkipCommentHeader()
    {
        if (!TryNextPacket(out var tags, out _, out _, out var offset, headerPacket: true))
        {
            throw _pages.Error("the stream ends before its OpusTags header", _pages.Offset);
        }

        if (!StartsWith(tags, "OpusTags"u8))
        {
            throw _pages.Error("the second packet is not the OpusTags header RFC 7845 requires", offset);
        }
    }

    /// <summary>Decodes packets until samples are pending or the stream ends.</summary>
    private bool EnsureDecoded()
    {
        while (_pcmCount == 0)
        {
            if (_ended || _fault is not null)
            {
                return false;
            }

            try
            {
                if (!TryNextPacket(out var packet, out var onLastPage, out var granule, out var offset, headerPacket: false))
                {
                    _ended = true;
                    return false;
                }

                DecodePacket(packet, offset);
                if (onLastPage && granule >= 0 && _decodedTotal > granule)
                {
                    // End trimming (RFC 7845 section 4.4): the last page's granule position is the true length.
                    var excess = (int)Math.Min(_decodedTotal - granule, _pcmCount / Channels);
                    _pcmCount -= excess * Channels;
                    _decodedTotal = granule;
                }
            }
            catch (WavFormatException ex)
            {
                _fault = ex;
                return false;
            }
        }

        return true;
    }

    private void DecodePacket(ReadOnlySpan<byte> packet, long offset)
    {
        _pcm ??= ArrayPool<float>.Shared.Rent(MaxFrameSamples * Channels);
        int frames;
        try
        {
            // A zero-length packet marks lost audio: conceal it for as long as the previous packet lasted.
            frames = packet.IsEmpty
                ? _decoder.Decode(ReadOnlySpan<byte>.Empty, _pcm.AsSpan(0, MaxFrameSamples * Channels), _decoder.LastPacketDuration > 0 ? _decoder.LastPacketDuration : 960, false)
                : _decoder.Decode(packet, _pcm.AsSpan(0, MaxFrameSamples * Channels), MaxFrameSamples, false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw _pages.Error($"the Opus packet at this offset cannot be decoded ({ex.Message}): the audio data is damaged", offset);
        }

        if (frames < 0)
        {
            throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"the Opus packet at this offset cannot be decoded (error {frames}): the audio data is damaged"), offset);
        }

        _decodedTotal += frames;
        var start = (int)Math.Min(_skipRemaining, frames);
        _skipRemaining -= start;
        _pcmStart = start * Channels;
        _pcmCount = (frames - start) * Channels;
        if (_gainFactor != 1f)
        {
            foreach (ref var sample in _pcm.AsSpan(_pcmStart, _pcmCount))
            {
                sample *= _gainFactor;
            }
        }
    }

    /// <summary>Assembles the next packet from the pages' segments.</summary>
    /// <param name="packet">The packet (for a header packet, at most its first <see cref="MaxPacketBytes"/> bytes).</param>
    /// <param name="onLastPage">True when the packet ends on the stream's last page.</param>
    /// <param name="granule">The granule position of the page the packet ends on.</param>
    /// <param name="offset">The offset of the page the packet starts on.</param>
    /// <param name="headerPacket">True to keep only the start of an oversized packet instead of failing.</param>
    private bool TryNextPacket(out ReadOnlySpan<byte> packet, out bool onLastPage, out long granule, out long offset, bool headerPacket)
    {
        var length = 0;
        long total = 0;
        var started = false;
        offset = _havePage ? _page.Offset : _pages.Offset;
        while (true)
        {
            if (!_havePage || _segment == _page.Lacing.Length)
            {
                if (_havePage && _page.IsEnd)
                {
                    if (started)
                    {
                        throw _pages.Error("the last page of the stream ends inside a packet", _page.End);
                    }

                    RefuseChainedStream();
                    break;
                }

                if (!NextPage())
                {
                    if (started)
                    {
                        throw _pages.Error("the file ends inside a packet: it is cut short", _pages.Offset);
                    }

                    break;
                }

                if (started != _page.IsContinued)
                {
                    throw _pages.Error(started
                        ? "a packet continues onto this page but the page is not marked as a continuation: pages are missing or out of order"
                        : "this page is marked as continuing a packet that the previous page did not start: pages are missing or out of order", _page.Offset + 5);
                }
            }

            if (!started)
            {
                offset = _page.Offset;
                started = true;
            }

            int lace = _page.Lacing.Span[_segment++];
            var bytes = _page.Body.Span.Slice(_bodyPosition, lace);
            _bodyPosition += lace;
            total += lace;
            if (total > MaxPacketBytes && !headerPacket)
            {
                throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"a packet of more than {MaxPacketBytes} bytes, larger than any Opus audio packet: the data is damaged"), offset);
            }

            var keep = Math.Min(lace, MaxPacketBytes - length);
            bytes[..keep].CopyTo(_packet.AsSpan(length));
            length += keep;
            if (lace < 255)
            {
                packet = _packet.AsSpan(0, length);
                onLastPage = _page.IsEnd;
                granule = _page.GranulePosition;
                return true;
            }
        }

        packet = default;
        onLastPage = false;
        granule = -1;
        return false;
    }

    private bool NextPage()
    {
        if (!_pages.TryReadPage(out var page))
        {
            return false;
        }

        if (page.Serial != _serial)
        {
            throw _pages.Error(page.IsBeginning
                ? "a second logical stream begins here (an Ogg file with several tracks, such as Opus beside video); only files with one Opus stream are read. Extract the audio with `ffmpeg -i in.ogg -map 0:a:0 -c copy out.opus`"
                : string.Create(CultureInfo.InvariantCulture, $"a page of another logical stream (serial {page.Serial}, expected {_serial}); only files with one Opus stream are read"), page.Offset + 14);
        }

        if (page.Sequence != _nextSequence)
        {
            throw _pages.Error(string.Create(CultureInfo.InvariantCulture, $"page sequence number {page.Sequence} where {_nextSequence} was expected: pages are missing or out of order"), page.Offset + 18);
        }

        _nextSequence++;
        _page = page;
        _havePage = true;
        _segment = 0;
        _bodyPosition = 0;
        return true;
    }

    private void RefuseChainedStream()
    {
        // After the end-of-stream page: another stream would begin here (a chained file); anything else is ignored.
        var offset = _pages.Offset;
        if (_pages.TryReadPageQuietly(out var next) && next.IsBeginning)
        {
            throw _pages.Error("a second Opus stream is chained after the first; only single-stream files are read. Split it with `ffmpeg -i in.opus -map 0:a:0 -c copy out.opus`", offset);
        }
    }

    private long? ProbeFinalGranule(long fileStart)
    {
        var resume = _stream.Position;
        try
        {
            var length = _stream.Length - fileStart;
            var tailLength = (int)Math.Min(length, OggPageReader.MaxPageBytes * 2L);
            var tail = ArrayPool<byte>.Shared.Rent(tailLength);
            try
            {
                _stream.Position = fileStart + length - tailLength;
                _stream.ReadExactly(tail, 0, tailLength);
                for (var i = tailLength - OggPageReader.HeaderBytes; i >= 0; i--)
                {
                    if (OggPageReader.TryParseAt(tail.AsSpan(0, tailLength), i, out var granule, out var serial) && serial == _serial && granule >= 0)
                    {
                        return granule;
                    }
                }

                return null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(tail);
            }
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            _stream.Position = resume;
        }
    }

    private void ThrowFaultIfNothingRead(int read)
    {
        if (read == 0 && _fault is not null)
        {
            throw _fault;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_packet is null, this);

    private void ReturnBuffers()
    {
        _pages.Dispose();
        if (_packet is { } packet)
        {
            _packet = null;
            ArrayPool<byte>.Shared.Return(packet);
        }

        if (_pcm is { } pcm)
        {
            _pcm = null;
            ArrayPool<float>.Shared.Return(pcm);
        }
    }
}
