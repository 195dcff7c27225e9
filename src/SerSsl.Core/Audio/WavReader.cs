using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using SerSsl.Core.Audio.Internal;

namespace SerSsl.Core.Audio;

/// <summary>
/// Streams samples out of a RIFF/WAVE file as floats, without loading the file: a pull API in the style of NAudio's
/// <c>ISampleProvider</c>, where <see cref="Read(Span{float})"/> returns the number of samples written and 0 at the end.
/// </summary>
/// <remarks>
/// <para>
/// Reads PCM (8-bit unsigned; 16, 24 and 32-bit signed; other widths up to 32 bits stored left-justified in a whole-byte
/// container), IEEE float (32 and 64-bit) and WAVE_FORMAT_EXTENSIBLE with a PCM or IEEE float sub-format, with any
/// number of channels from 1 to 64. Integers are scaled by 2^(container bits - 1), so the most negative code decodes
/// to exactly -1. When wValidBitsPerSample is less than the container, the whole container is decoded: the padding
/// bits are zero by specification, so this gives the same value. Float samples, NaN and infinities included, are
/// passed through unchanged; later pipeline stages deal with them.
/// </para>
/// <para>
/// Chunks other than <c>fmt </c> and <c>data</c> (<c>LIST</c>, <c>fact</c>, <c>bext</c>, ...) are skipped, honouring
/// the pad byte after odd-sized chunks. Nothing after the data chunk is read. The RIFF size and the fmt chunk's
/// average-bytes-per-second field are not checked, because writers often get them wrong.
/// </para>
/// <para>
/// Data chunk size: 0xFFFFFFFF, 0x80000000 (arecord) and 0x7FFFF000 (SoX) are the "length unknown" markers
/// streaming writers leave when they cannot seek back; when the stream is too short to hold that many bytes they mean
/// "read to the end of the stream". A size of 0 means the same unless the RIFF size shows the file was finalised with
/// chunks after an empty data chunk. Any other size is trusted, and a stream that ends before it is reported as
/// truncated (naming the declared size and where the data ended), as is a data length that is not a whole number of
/// sample frames (naming the offset of the partial frame). Both are detected when the reader is created if the
/// stream can seek, otherwise when <see cref="Read(Span{float})"/> reaches them, after the complete frames before
/// them have been returned.
/// </para>
/// <para>
/// Every problem with the content raises <see cref="WavFormatException"/>; no size field is ever used to size an
/// allocation (the reader's buffer is fixed at 32 KiB). Instances are not thread-safe.
/// </para>
/// </remarks>
public sealed class WavReader : IAudioReader
{
    /// <summary>The most channels accepted.</summary>
    public const int MaxChannels = 64;

    /// <summary>The highest sample rate accepted, in Hz.</summary>
    public const int MaxSampleRate = 1_000_000;

    private const int BufferBytes = 32 * 1024;
    private const int ExtensibleFmtSize = 40;
    private const uint MaxFmtSize = 18 + ushort.MaxValue;
    private const long UnknownLength = -1;

    private const string ConvertAdvice =
        "Convert it to 16-bit PCM, e.g. `sox in.wav -e signed-integer -b 16 out.wav` or `ffmpeg -i in.wav -c:a pcm_s16le out.wav`.";

    private const string DamagedAdvice =
        "The header is damaged or the file is not a WAV file; re-export or re-download it, or rewrite it with `ffmpeg -i in.wav -c:a pcm_s16le out.wav`.";

    private const string HeaderTruncatedAdvice =
        "The file ends before its audio starts: it is cut short or not a WAV file; copy it again from its source.";

    private const string TruncatedAdvice =
        "The file is cut short (an interrupted copy or recording?); copy it again, or salvage what is there with `sox --ignore-length in.wav out.wav`.";

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string? _path;
    private readonly WavSampleKind _kind;
    private readonly int _bytesPerSample;
    private readonly long _declaredDataBytes;
    private readonly long _dataStart;

    private byte[]? _buffer;
    private float[]? _scratch;
    private int _bufferStart;
    private int _bufferCount;
    private long _position;
    private long _dataRemaining;
    private long _framesRead;
    private WavFormatException? _fault;

    /// <summary>Reads the header of a WAV stream and positions the reader at the first sample.</summary>
    /// <param name="stream">A readable stream positioned at the start of the RIFF header; it need not be seekable.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the reader is disposed.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="WavFormatException">
    /// The header is malformed, truncated or uses an unsupported format; the stream is then left open.
    /// </exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public WavReader(Stream stream, bool leaveOpen = false)
        : this(stream, leaveOpen, null)
    {
    }

    private WavReader(Stream stream, bool leaveOpen, string? path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _path = path;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            var header = ReadHeader();
            SampleRate = header.SampleRate;
            Channels = header.Channels;
            Encoding = header.Encoding;
            BitsPerSample = header.ContainerBits;
            ValidBitsPerSample = header.ValidBits;
            BlockAlign = header.BlockAlign;
            _kind = header.Kind;
            _bytesPerSample = header.ContainerBits / 8;
            _dataStart = _position;
            (_declaredDataBytes, _dataRemaining, FrameCountIsVerified) = ResolveDataLength(header);
            FrameCount = _dataRemaining == UnknownLength ? null : _dataRemaining / BlockAlign;
        }
        catch
        {
            ReturnBuffers();
            throw;
        }
    }

    /// <summary>Sample frames per second.</summary>
    public int SampleRate { get; }

    /// <summary>The number of interleaved channels (1 to <see cref="MaxChannels"/>).</summary>
    public int Channels { get; }

    /// <summary>Whether samples are integer PCM or IEEE float (after resolving WAVE_FORMAT_EXTENSIBLE).</summary>
    public WavEncoding Encoding { get; }

    /// <summary>The size of one sample's container in bits: 8, 16, 24, 32 or 64.</summary>
    public int BitsPerSample { get; }

    /// <summary>
    /// The number of significant bits in each sample (wValidBitsPerSample for WAVE_FORMAT_EXTENSIBLE, else the
    /// declared bits per sample); at most <see cref="BitsPerSample"/>.
    /// </summary>
    public int ValidBitsPerSample { get; }

    /// <summary>The size of one sample frame (one sample of every channel) in bytes.</summary>
    public int BlockAlign { get; }

    /// <summary>
    /// The number of sample frames in the data chunk, or null when it is unknown: a non-seekable stream whose header
    /// carries a "length unknown" marker, which is read to its end.
    /// </summary>
    public long? FrameCount { get; }

    /// <summary>The length of the audio, or null when <see cref="FrameCount"/> is unknown.</summary>
    public TimeSpan? Duration => FrameCount is long frames ? FramesToDuration(frames, SampleRate) : null;

    /// <summary>The number of sample frames returned so far.</summary>
    public long FramesRead => _framesRead;

    /// <inheritdoc />
    public string Codec => Encoding == WavEncoding.IeeeFloat
        ? string.Create(CultureInfo.InvariantCulture, $"WAV, float {BitsPerSample}-bit")
        : string.Create(CultureInfo.InvariantCulture, $"WAV, PCM {ValidBitsPerSample}-bit");

    /// <summary>True when <see cref="FrameCount"/> was checked against the stream's length, so it can size a buffer.</summary>
    internal bool FrameCountIsVerified { get; }

    /// <summary>Opens a WAV file for streaming reads.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>A reader that owns the file handle; dispose it to close the file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WavFormatException">
    /// The header is malformed, truncated or uses an unsupported format; <see cref="WavFormatException.FilePath"/> names the file.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static WavReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        try
        {
            return new WavReader(stream, leaveOpen: false, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Creates a reader that names <paramref name="path"/> in its errors.</summary>
    internal static WavReader Create(Stream stream, bool leaveOpen, string? path) => new(stream, leaveOpen, path);

    /// <summary>
    /// Reads interleaved samples (frame by frame, channel by channel) into <paramref name="destination"/>. Only whole
    /// frames are written: up to <c>destination.Length / Channels</c> of them. Blocks until the destination is full or
    /// the data ends.
    /// </summary>
    /// <param name="destination">Where to write; must hold at least one frame (<see cref="Channels"/> samples).</param>
    /// <returns>The number of samples written (a multiple of <see cref="Channels"/>), or 0 at the end of the data.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than one frame.</exception>
    /// <exception cref="WavFormatException">
    /// The data is truncated or ends with a partial frame (see the type remarks). The complete frames before the
    /// problem are returned first; the call after them throws, and so does every later call.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The reader has been disposed.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public int Read(Span<float> destination)
    {
        ThrowIfUnusable();
        if (destination.Length < Channels)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} samples but one frame is {Channels} samples.", nameof(destination));
        }

        var framesWanted = destination.Length / Channels;
        var frames = 0;
        while (frames < framesWanted)
        {
            var available = _bufferCount / BlockAlign;
            if (available == 0)
            {
                if (!FillBuffer())
                {
                    break;
                }

                continue;
            }

            var n = Math.Min(available, framesWanted - frames);
            var bytes = n * BlockAlign;
            WavSampleDecoder.Decode(_buffer.AsSpan(_bufferStart, bytes), destination.Slice(frames * Channels, n * Channels), _kind);
            _bufferStart += bytes;
            _bufferCount -= bytes;
            frames += n;
        }

        ThrowFaultIfNothingRead(frames);
        _framesRead += frames;
        return frames * Channels;
    }

    /// <summary>
    /// Reads samples downmixed to mono (the mean of the channels of each frame) into <paramref name="destination"/>.
    /// Blocks until the destination is full or the data ends. May be mixed with <see cref="Read(Span{float})"/>.
    /// </summary>
    /// <param name="destination">Where to write one sample per frame; must not be empty.</param>
    /// <returns>The number of samples (= frames) written, or 0 at the end of the data.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is empty.</exception>
    /// <exception cref="WavFormatException">
    /// The data is truncated or ends with a partial frame (see the type remarks). The complete frames before the
    /// problem are returned first; the call after them throws, and so does every later call.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The reader has been disposed.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public int ReadMono(Span<float> destination)
    {
        if (Channels == 1)
        {
            return Read(destination);
        }

        ThrowIfUnusable();
        if (destination.IsEmpty)
        {
            throw new ArgumentException("The destination must hold at least one sample.", nameof(destination));
        }

        _scratch ??= ArrayPool<float>.Shared.Rent(BufferBytes / _bytesPerSample);
        var scratchFrames = _scratch.Length / Channels;
        var frames = 0;
        while (frames < destination.Length)
        {
            var available = _bufferCount / BlockAlign;
            if (available == 0)
            {
                if (!FillBuffer())
                {
                    break;
                }

                continue;
            }

            var n = Math.Min(Math.Min(available, destination.Length - frames), scratchFrames);
            var bytes = n * BlockAlign;
            var interleaved = _scratch.AsSpan(0, n * Channels);
            WavSampleDecoder.Decode(_buffer.AsSpan(_bufferStart, bytes), interleaved, _kind);
            ChannelMixer.Downmix(interleaved, Channels, destination.Slice(frames, n));
            _bufferStart += bytes;
            _bufferCount -= bytes;
            frames += n;
        }

        ThrowFaultIfNothingRead(frames);
        _framesRead += frames;
        return frames;
    }

    /// <summary>Returns the reader's buffers and closes the stream unless it was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (_buffer is null)
        {
            return;
        }

        ReturnBuffers();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    internal static TimeSpan FramesToDuration(long frames, int sampleRate) =>
        TimeSpan.FromTicks((long)((decimal)frames * TimeSpan.TicksPerSecond / sampleRate));

    private static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (_fault is not null)
        {
            throw _fault;
        }
    }

    private void ThrowFaultIfNothingRead(int frames)
    {
        if (frames == 0 && _fault is not null)
        {
            throw _fault;
        }
    }

    private void ReturnBuffers()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        if (_scratch is not null)
        {
            ArrayPool<float>.Shared.Return(_scratch);
            _scratch = null;
        }
    }

    /// <summary>
    /// Moves any partial frame to the front of the buffer and reads more data after it. Returns false at the end of the
    /// data, first recording a fault if the data ended early or inside a frame; the caller returns the frames it has
    /// already decoded and the fault is thrown by the next call.
    /// </summary>
    private bool FillBuffer()
    {
        var buffer = _buffer!;
        if (_bufferCount > 0 && _bufferStart > 0)
        {
            Buffer.BlockCopy(buffer, _bufferStart, buffer, 0, _bufferCount);
        }

        _bufferStart = 0;
        var want = buffer.Length - _bufferCount;
        if (_dataRemaining != UnknownLength)
        {
            want = (int)Math.Min(want, _dataRemaining);
        }

        var got = want == 0 ? 0 : _stream.Read(buffer, _bufferCount, want);
        if (got > 0)
        {
            _position += got;
            _bufferCount += got;
            if (_dataRemaining != UnknownLength)
            {
                _dataRemaining -= got;
            }

            return true;
        }

        if (_dataRemaining > 0)
        {
            _fault = Error(
                _position,
                $"the data chunk declares {Grouped(_declaredDataBytes)} bytes from byte offset {_dataStart}, but the stream ends " +
                $"after {Grouped(_position - _dataStart)} of them.",
                TruncatedAdvice);
        }
        else if (_bufferCount > 0)
        {
            _fault = Error(
                _position - _bufferCount,
                $"the data ends inside a sample frame: {_bufferCount} trailing bytes where a frame is {BlockAlign}.",
                TruncatedAdvice);
        }

        return false;
    }

    private WavFormatException Error(long offset, string problem, string advice)
    {
        var source = _path is null ? "WAV stream" : $"WAV file '{_path}'";
        return new WavFormatException($"{source}, byte offset {offset}: {problem} {advice}", offset, _path);
    }

    /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; returns the bytes read.</summary>
    private int ReadFully(Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = _stream.Read(destination[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        _position += total;
        return total;
    }

    /// <summary>The bytes left in the stream, or null when that cannot be known.</summary>
    private long? Remaining() => _stream.CanSeek ? Math.Max(0, _stream.Length - _stream.Position) : null;

    private HeaderInfo ReadHeader()
    {
        Span<byte> riff = stackalloc byte[12];
        var got = ReadFully(riff);
        if (got >= 4 && !riff[..4].SequenceEqual("RIFF"u8))
        {
            var tool = riff[..4].SequenceEqual("RF64"u8) || riff[..4].SequenceEqual("BW64"u8)
                ? "Convert it to a plain WAV (under 4 GiB), e.g. `ffmpeg -i in.wav -rf64 never -c:a pcm_s16le out.wav`."
                : ConvertAdvice;
            throw Error(0, $"not a RIFF/WAVE file: {WavCodecs.DescribeWrongMagic(riff[..4])}.", tool);
        }

        if (got < riff.Length)
        {
            throw Error(got, $"the stream ends after {got} bytes, inside the 12-byte RIFF header.", HeaderTruncatedAdvice);
        }

        if (!riff[8..12].SequenceEqual("WAVE"u8))
        {
            throw Error(
                8,
                $"not a RIFF/WAVE file: the RIFF form type is '{WavCodecs.FourCC(riff[8..12])}' where a WAV file has 'WAVE'.",
                DamagedAdvice);
        }

        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(riff[4..]);
        HeaderInfo? format = null;
        Span<byte> chunk = stackalloc byte[8];
        while (true)
        {
            var chunkStart = _position;
            got = ReadFully(chunk);
            if (got == 0)
            {
                throw Error(
                    chunkStart,
                    format is null
                        ? "the stream ends without a fmt chunk or a data chunk."
                        : "the stream ends without a data chunk (no audio).",
                    format is null ? DamagedAdvice : HeaderTruncatedAdvice);
            }

            if (got < chunk.Length)
            {
                throw Error(
                    _position,
                    $"the stream ends inside the 8-byte chunk header that starts at byte offset {chunkStart}.",
                    HeaderTruncatedAdvice);
            }

            var id = chunk[..4];
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (id.SequenceEqual("fmt "u8))
            {
                if (format is not null)
                {
                    throw Error(chunkStart, "there is a second fmt chunk; a WAV file has exactly one.", DamagedAdvice);
                }

                format = ReadFormat(chunkStart, size);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is not HeaderInfo header)
                {
                    throw Error(chunkStart, "the data chunk comes before any fmt chunk, so its format is unknown.", DamagedAdvice);
                }

                return header with { ChunkStart = chunkStart, DeclaredDataSize = size, RiffSize = riffSize };
            }
            else
            {
                SkipChunkBody(chunkStart, WavCodecs.FourCC(id), size, alreadyRead: 0);
            }
        }
    }

    /// <summary>Skips the rest of a chunk's body and its pad byte, reporting a chunk that runs past the stream's end.</summary>
    private void SkipChunkBody(long chunkStart, string id, uint size, int alreadyRead)
    {
        var toSkip = (long)size - alreadyRead;
        var remaining = Remaining();
        if (remaining is long r && toSkip > r)
        {
            var end = _position + r;
            throw Error(
                end,
                $"chunk '{id}' at byte offset {chunkStart} declares {Grouped(size)} bytes, but the stream ends at byte offset {end}, " +
                $"{Grouped(end - chunkStart - 8)} bytes into it.",
                HeaderTruncatedAdvice);
        }

        var pad = (size & 1) == 1 ? 1 : 0;
        if (remaining is long left)
        {
            var skip = Math.Min(toSkip + pad, left);
            _stream.Seek(skip, SeekOrigin.Current);
            _position += skip;
            return;
        }

        var buffer = _buffer.AsSpan(0, BufferBytes);
        while (toSkip > 0)
        {
            var got = ReadFully(buffer[..(int)Math.Min(toSkip, buffer.Length)]);
            if (got == 0)
            {
                throw Error(
                    _position,
                    $"the stream ends inside chunk '{id}', which starts at byte offset {chunkStart} and declares {Grouped(size)} bytes.",
                    HeaderTruncatedAdvice);
            }

            toSkip -= got;
        }

        if (pad == 1)
        {
            // A missing final pad byte is harmless: the next chunk-header read simply finds the end.
            ReadFully(buffer[..1]);
        }
    }

    private HeaderInfo ReadFormat(long chunkStart, uint size)
    {
        var sizeOffset = chunkStart + 4;
        if (size < 16)
        {
            throw Error(sizeOffset, $"the fmt chunk is {size} bytes; it must be at least 16.", DamagedAdvice);
        }

        if (size > MaxFmtSize)
        {
            throw Error(
                sizeOffset,
                $"the fmt chunk claims {Grouped(size)} bytes; a real one is at most {Grouped(MaxFmtSize)} (usually 16, 18 or 40).",
                DamagedAdvice);
        }

        var fmtStart = _position;
        Span<byte> fmt = stackalloc byte[ExtensibleFmtSize];
        var toRead = (int)Math.Min(size, ExtensibleFmtSize);
        fmt = fmt[..toRead];
        if (ReadFully(fmt) < toRead)
        {
            throw Error(
                _position,
                $"the stream ends inside the fmt chunk, which starts at byte offset {chunkStart} and declares {size} bytes.",
                HeaderTruncatedAdvice);
        }

        SkipChunkBody(chunkStart, "fmt ", size, toRead);

        uint tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        var extensible = tag == WavCodecs.Extensible;
        var validBits = bits;
        var tagOffset = fmtStart;
        if (extensible)
        {
            if (size < ExtensibleFmtSize)
            {
                throw Error(
                    sizeOffset,
                    $"the fmt chunk is WAVE_FORMAT_EXTENSIBLE but only {size} bytes; it must be at least {ExtensibleFmtSize}.",
                    DamagedAdvice);
            }

            validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
            var guid = fmt[24..40];
            tagOffset = fmtStart + 24;
            if (!guid[4..].SequenceEqual(WavCodecs.SubFormatGuidTail))
            {
                throw Error(
                    tagOffset,
                    $"the WAVE_FORMAT_EXTENSIBLE sub-format {new Guid(guid):B} is not supported (only PCM and IEEE float are).",
                    ConvertAdvice);
            }

            tag = BinaryPrimitives.ReadUInt32LittleEndian(guid);
        }

        var where = extensible ? "the WAVE_FORMAT_EXTENSIBLE sub-format" : "the format tag";
        WavEncoding encoding;
        if (tag == WavCodecs.Pcm)
        {
            encoding = WavEncoding.Pcm;
        }
        else if (tag == WavCodecs.IeeeFloat)
        {
            encoding = WavEncoding.IeeeFloat;
        }
        else
        {
            throw Error(
                tagOffset,
                $"{where} is {WavCodecs.Name(tag)} (0x{tag:X4}), which is not supported; only PCM and IEEE float WAV can be read.",
                ConvertAdvice);
        }

        if (channels == 0)
        {
            throw Error(fmtStart + 2, "the fmt chunk declares 0 channels.", DamagedAdvice);
        }

        if (channels > MaxChannels)
        {
            throw Error(fmtStart + 2, $"the fmt chunk declares {channels} channels; at most {MaxChannels} are supported.", DamagedAdvice);
        }

        if (sampleRate == 0)
        {
            throw Error(fmtStart + 4, "the fmt chunk declares a sample rate of 0 Hz.", DamagedAdvice);
        }

        if (sampleRate > MaxSampleRate)
        {
            throw Error(
                fmtStart + 4,
                $"the fmt chunk declares a sample rate of {Grouped(sampleRate)} Hz; at most {Grouped(MaxSampleRate)} Hz is supported.",
                DamagedAdvice);
        }

        int containerBits;
        WavSampleKind kind;
        if (encoding == WavEncoding.Pcm)
        {
            // Plain PCM rounds odd widths (e.g. 12 or 20 bits) up to whole bytes; EXTENSIBLE states the container outright.
            if (bits == 0)
            {
                throw Error(fmtStart + 14, "the fmt chunk declares 0 bits per sample.", DamagedAdvice);
            }

            containerBits = extensible ? bits : (bits + 7) / 8 * 8;
            kind = containerBits switch
            {
                8 => WavSampleKind.UInt8,
                16 => WavSampleKind.Int16,
                24 => WavSampleKind.Int24,
                32 => WavSampleKind.Int32,
                _ => throw Error(
                    fmtStart + 14,
                    $"PCM with {bits} bits per sample is not supported (8, 16, 24 and 32-bit containers are).",
                    ConvertAdvice),
            };
        }
        else
        {
            containerBits = bits;
            kind = bits switch
            {
                32 => WavSampleKind.Float32,
                64 => WavSampleKind.Float64,
                _ => throw Error(
                    fmtStart + 14,
                    $"IEEE float with {bits} bits per sample is not supported (32 and 64 are).",
                    ConvertAdvice),
            };
        }

        if (extensible)
        {
            // Some writers leave wValidBitsPerSample at 0; read that as "all of the container".
            if (validBits == 0)
            {
                validBits = containerBits;
            }
            else if (validBits > containerBits)
            {
                throw Error(
                    fmtStart + 18,
                    $"wValidBitsPerSample is {validBits}, more than the {containerBits}-bit sample container.",
                    DamagedAdvice);
            }
        }

        var expectedAlign = channels * (containerBits / 8);
        if (blockAlign != expectedAlign)
        {
            throw Error(
                fmtStart + 12,
                $"the block align is {blockAlign} bytes, but {channels} channel(s) of {containerBits}-bit samples make {expectedAlign}-byte frames.",
                DamagedAdvice);
        }

        return new HeaderInfo(encoding, kind, channels, (int)sampleRate, containerBits, validBits, blockAlign);
    }

    /// <summary>Decides how many data bytes to read (see the type remarks) and checks it against the stream where possible.</summary>
    private (long Declared, long Remaining, bool Verified) ResolveDataLength(HeaderInfo header)
    {
        var size = header.DeclaredDataSize;
        var remaining = Remaining();
        long length;
        if (size == 0)
        {
            // A finalised file whose RIFF size reaches past an empty data chunk really is empty; otherwise 0 is a
            // placeholder the writer never patched.
            var finalised = header.RiffSize is not 0 and not uint.MaxValue && 8L + header.RiffSize > _dataStart;
            length = finalised ? 0 : UnknownLength;
        }
        else if (size is uint.MaxValue or 0x8000_0000 or 0x7FFF_F000 && !(remaining is long r && size <= r))
        {
            length = UnknownLength;
        }
        else
        {
            length = size;
        }

        if (length == UnknownLength && remaining is long rest)
        {
            length = rest;
        }

        if (length != UnknownLength && remaining is long available && length > available)
        {
            var end = _dataStart + available;
            throw Error(
                end,
                $"the data chunk at byte offset {header.ChunkStart} declares {Grouped(length)} bytes, but the stream ends at " +
                $"byte offset {end}, after {Grouped(available)} of them.",
                TruncatedAdvice);
        }

        // On a pipe the partial frame is reported when reading reaches it, so that a truncation before it wins,
        // as it does here when the stream's length is known.
        if (length != UnknownLength && remaining is not null && length % header.BlockAlign != 0)
        {
            var partial = length % header.BlockAlign;
            throw Error(
                _dataStart + length - partial,
                $"the data ends inside a sample frame: {partial} trailing bytes where a frame is {header.BlockAlign}.",
                TruncatedAdvice);
        }

        return (size, length, remaining is not null);
    }

    private readonly record struct HeaderInfo(
        WavEncoding Encoding,
        WavSampleKind Kind,
        int Channels,
        int SampleRate,
        int ContainerBits,
        int ValidBits,
        int BlockAlign)
    {
        public long ChunkStart { get; init; }

        public uint DeclaredDataSize { get; init; }

        public uint RiffSize { get; init; }
    }
}
