using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using SerSsl.Streaming.Sources;

namespace SerSsl.Streaming.Pipeline;

/// <summary>
/// The push side of a <see cref="StreamingSession"/>: write interleaved float samples at the session's format as they
/// arrive, then <see cref="Complete"/> (or complete with the error that ended the audio).
/// </summary>
/// <remarks>
/// <para>
/// Writes are cut into blocks of at most <see cref="StreamingSessionOptions.BlockSeconds"/> and buffered for the
/// feature stage, up to <see cref="StreamingSessionOptions.BufferSeconds"/> worth of blocks. A live session never
/// makes its writer wait: when the buffer is full the oldest block is dropped, and the next estimate reports the
/// dropped samples. A lossless session makes <see cref="WriteAsync"/> wait for room instead, so nothing is lost.
/// </para>
/// <para>
/// One writer at a time (a pump, a network call); samples may be written before the session starts.
/// </para>
/// </remarks>
public sealed class SessionAudioWriter
{
    private readonly Channel<AudioBlock> _blocks;
    private readonly int _blockFrames;
    private long _nextFrame;
    private int _completed;

    internal SessionAudioWriter(AudioFormat format, bool isLive, StreamingSessionOptions options)
    {
        Format = format;
        IsLive = isLive;
        _blockFrames = Math.Max(1, (int)Math.Round(format.SampleRate * options.BlockSeconds));
        var capacity = Math.Max(2, (int)Math.Ceiling(options.BufferSeconds / options.BlockSeconds));
        _blocks = isLive
            ? Channel.CreateBounded<AudioBlock>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true }, static block => block.Return())
            : Channel.CreateBounded<AudioBlock>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
    }

    /// <summary>The rate and channels every write must have.</summary>
    public AudioFormat Format { get; }

    /// <summary>True when the oldest audio is dropped rather than the writer made to wait.</summary>
    public bool IsLive { get; }

    /// <summary>Sample frames written so far, dropped ones included.</summary>
    public long FramesWritten => Interlocked.Read(ref _nextFrame);

    /// <summary>The error the audio ended with (<see cref="Complete"/>), or null.</summary>
    internal Exception? Error { get; private set; }

    /// <summary>The buffered blocks, for the feature stage.</summary>
    internal ChannelReader<AudioBlock> Blocks => _blocks.Reader;

    /// <summary>Writes interleaved samples.</summary>
    /// <param name="interleaved">Whole frames of <see cref="AudioFormat.Channels"/> samples; copied before the call returns or waits.</param>
    /// <param name="cancellationToken">Stops waiting for room (lossless sessions only).</param>
    /// <exception cref="ArgumentException">The samples are not whole frames.</exception>
    /// <exception cref="InvalidOperationException">The audio is already complete (or the session has stopped).</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<float> interleaved, CancellationToken cancellationToken = default)
    {
        var channels = Format.Channels;
        if (interleaved.Length % channels != 0)
        {
            throw new ArgumentException($"Write whole frames: {interleaved.Length} samples are not a multiple of {channels} channels.", nameof(interleaved));
        }

        var offset = 0;
        while (offset < interleaved.Length)
        {
            var count = Math.Min(interleaved.Length - offset, _blockFrames * channels);
            var buffer = ArrayPool<float>.Shared.Rent(count);
            interleaved.Span.Slice(offset, count).CopyTo(buffer);
            await WriteBlockAsync(buffer, count, cancellationToken).ConfigureAwait(false);
            offset += count;
        }
    }

    /// <summary>True once <see cref="Complete"/> has been called: no more audio is accepted.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Ends the audio: what is buffered is still processed, then the session ends.</summary>
    /// <param name="error">Why the audio ended early (a device or a client failed), reported as the session's failure once what came before has been published; null for a normal end.</param>
    /// <returns>True when this call ended the audio; false when it had already ended.</returns>
    public bool Complete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        Error = error;
        _blocks.Writer.TryComplete();
        return true;
    }

    /// <summary>Queues a pooled buffer of <paramref name="count"/> samples (at most one block), taking ownership of it.</summary>
    internal async ValueTask WriteBlockAsync(float[] buffer, int count, CancellationToken cancellationToken)
    {
        var block = new AudioBlock(buffer, count, Interlocked.Read(ref _nextFrame), Stopwatch.GetTimestamp());
        Interlocked.Add(ref _nextFrame, count / Format.Channels);
        try
        {
            if (IsLive)
            {
                if (!_blocks.Writer.TryWrite(block))
                {
                    throw Completed();
                }
            }
            else
            {
                await _blocks.Writer.WriteAsync(block, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ChannelClosedException)
        {
            block.Return();
            throw Completed();
        }
        catch
        {
            block.Return();
            throw;
        }
    }

    /// <summary>Returns the buffers of blocks nobody will process (the session stopped).</summary>
    internal void Drain()
    {
        _blocks.Writer.TryComplete();
        while (_blocks.Reader.TryRead(out var block))
        {
            block.Return();
        }
    }

    private static InvalidOperationException Completed() => new("The session's audio is complete (or the session has stopped): no more samples may be written.");
}

/// <summary>A block of written audio in a pooled buffer, with the index of its first frame and when it arrived.</summary>
internal readonly record struct AudioBlock(float[] Buffer, int Count, long FirstFrame, long ArrivalTimestamp)
{
    public void Return() => ArrayPool<float>.Shared.Return(Buffer);
}
