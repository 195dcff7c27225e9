using System.Net;
using System.Net.Http.Headers;

namespace SerSsl.Streaming.Tests.Server;

/// <summary>gRPC requests written by hand over HTTP/2, for bodies no generated client would send.</summary>
internal static class RawGrpc
{
    /// <summary>A well-framed message (5-byte prefix, 9 bytes) whose bytes are not a valid protobuf message.</summary>
    public static byte[] Garbage { get; } = [0, 0, 0, 0, 9, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x9a, 0xbc, 0xde, 0xf0];

    /// <summary>POSTs <paramref name="body"/> as a gRPC request to <paramref name="path"/> and returns the call's status and message.</summary>
    /// <returns>grpc-status and grpc-message, from the trailers or (for a trailers-only answer) the headers.</returns>
    public static async Task<(string? Status, string? Message)> PostAsync(ServerHarness server, string path, byte[] body, CancellationToken ct)
    {
        using var http = server.Handler is null ? new HttpClient() : new HttpClient(server.Handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        using var response = await http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        string? Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First() : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        return (Header("grpc-status"), Header("grpc-message"));
    }
}
