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
/// the unauthenticated health check included). The messages of gRPC's own services (health, reflection), which
/// <see cref="GuardedRecognizerMethods"/> does not bind, are decoded here too: one that is not valid protobuf gets
/// INVALID_ARGUMENT and one warning line, as a Recognizer request does.
/// </summary>
internal static class GrpcFrameCheck
{
    /// <summary>Wraps the request body of gRPC requests in a <see cref="CheckingReader"/>.</summary>
    public static void UseGrpcFrameCheck(this WebApplication app, int maxMessageBytes, Action<string, int, string> malformed)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(malformed);
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
            {
                // BodyReader adapts the body stream when the server offers no pipe (the test server).
                var path = context.Request.Path.Value ?? string.Empty;
                var decoder = DecoderFor(path) is { } parser ? new MessageDecoder(path, parser, malformed) : null;
                context.Features.Set<IRequestBodyPipeFeature>(new CheckedBody(new CheckingReader(context.Request.BodyReader, maxMessageBytes, decoder)));
            }

            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>The request parser of gRPC's own services, whose decoding this server does not otherwise control.</summary>
    private static Google.Protobuf.MessageParser? DecoderFor(string path) =>
        path.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal) ? Grpc.Health.V1.HealthCheckRequest.Parser
        : path.StartsWith("/grpc.reflection.v1alpha.ServerReflection/", StringComparison.Ordinal) ? Grpc.Reflection.V1Alpha.ServerReflectionRequest.Parser
        : path.StartsWith("/grpc.reflection.v1.ServerReflection/", StringComparison.Ordinal) ? Grpc.Reflection.V1.ServerReflectionRequest.Parser
        : null;

    /// <summary>Decodes a request message to check it; the call's method, and what to do with a malformed one.</summary>
    internal sealed record MessageDecoder(string Method, Google.Protobuf.MessageParser Parser, Action<string, int, string> Malformed);

    private sealed class CheckedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>
    /// A pass-through reader that follows the frames (a flag byte, a 4-byte big-endian length, the message) and checks
    /// each flag byte as soon as it arrives. Positions are counted from the start of the body, so bytes handed out
    /// again after a partial consume are not checked twice.
    /// </summary>
    internal sealed class CheckingReader(PipeReader inner, int maxMessageBytes, MessageDecoder? decoder = null) : PipeReader
    {
        private ReadOnlySequence<byte> _last;
        private long _bufferStart;
        private long _nextHeader;
        private bool _flagChecked;
        private byte _flag;

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

                    _flag = flag;
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

                if (decoder is not null && _flag == 0)
                {
                    // The whole message is needed to decode it; gRPC waits for it too.
                    if (end - _nextHeader < 5 + length)
                    {
                        break;
                    }

                    Decode(result.Buffer.Slice(offset + 5, length));
                }

                _nextHeader += 5 + length;
                _flagChecked = false;
            }

            return result;
        }

        private void Decode(ReadOnlySequence<byte> message)
        {
            try
            {
                decoder!.Parser.ParseFrom(message);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException ex)
            {
                decoder!.Malformed(decoder.Method, (int)message.Length, ex.Message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture, $"The request message ({message.Length} bytes) is not valid protobuf: {ex.Message}")));
            }
        }
    }
}
