using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Checks the gRPC framing of every request body as it is read: a frame whose flag byte is neither 0 (plain) nor 1
/// (compressed) ends the call with INTERNAL, as the other framing errors do, and one whose length prefix is over the
/// message size limit with RESOURCE_EXHAUSTED, whatever the prefix (gRPC itself answers UNKNOWN, with a stack trace
/// logged at error level for every such request, to a bad flag and to a length of 2 GiB or more; for any service,
/// the unauthenticated health check included).
/// </summary>
internal static class GrpcFrameCheck
{
    /// <summary>Wraps the request body of gRPC requests in a <see cref="CheckingReader"/>.</summary>
    public static void UseGrpcFrameCheck(this WebApplication app, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
            {
                // BodyReader adapts the body stream when the server offers no pipe (the test server).
                context.Features.Set<IRequestBodyPipeFeature>(new CheckedBody(new CheckingReader(context.Request.BodyReader, maxMessageBytes)));
            }

            await next(context).ConfigureAwait(false);
        });
    }

    private sealed class CheckedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>
    /// A pass-through reader that follows the frames (a flag byte, a 4-byte big-endian length, the message) and checks
    /// each flag byte as soon as it arrives. Positions are counted from the start of the body, so bytes handed out
    /// again after a partial consume are not checked twice.
    /// </summary>
    internal sealed class CheckingReader(PipeReader inner, int maxMessageBytes) : PipeReader
    {
        private ReadOnlySequence<byte> _last;
        private long _bufferStart;
        private long _nextHeader;
        private bool _flagChecked;

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _bufferStart += _last.Slice(_last.Start, consumed).Length;
            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            Check(await inner.ReadAsync(cancellationToken).ConfigureAwait(false));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            result = Check(result);
            return true;
        }

        private ReadResult Check(ReadResult result)
        {
            _last = result.Buffer;
            var end = _bufferStart + result.Buffer.Length;
            Span<byte> header = stackalloc byte[5];
            while (_nextHeader < end)
            {
                var offset = _nextHeader - _bufferStart;
                if (offset < 0)
                {
                    // The reader consumed into a frame header: it is not reading gRPC frames; leave it alone.
                    return result;
                }

                if (!_flagChecked)
                {
                    var flag = result.Buffer.Slice(offset, 1).FirstSpan[0];
                    if (flag > 1)
                    {
                        throw new RpcException(new Status(StatusCode.Internal, string.Create(CultureInfo.InvariantCulture, $"The gRPC frame at byte {_nextHeader} of the request has flag byte 0x{flag:X2}; it must be 0 (uncompressed) or 1 (compressed).")));
                    }

                    _flagChecked = true;
                }

                if (end - _nextHeader < 5)
                {
                    break;
                }

                result.Buffer.Slice(offset, 5).CopyTo(header);
                var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
                if (length > (uint)maxMessageBytes)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture, $"The gRPC frame at byte {_nextHeader} of the request announces {length} bytes, more than the maximum message size of {maxMessageBytes} bytes (--max-message-bytes).")));
                }

                _nextHeader += 5 + length;
                _flagChecked = false;
            }

            return result;
        }
    }
}
