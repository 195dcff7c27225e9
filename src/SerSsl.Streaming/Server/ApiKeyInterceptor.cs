using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Refuses calls without an accepted API key (metadata <c>x-api-key: KEY</c> or <c>authorization: Bearer KEY</c>)
/// with UNAUTHENTICATED, when the server has keys. The health service stays open, for load balancers and probes.
/// </summary>
internal sealed class ApiKeyInterceptor(ApiKeys keys) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!keys.Required || context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal))
        {
            return;
        }

        var key = context.RequestHeaders.GetValue("x-api-key") ?? ApiKeys.FromAuthorization(context.RequestHeaders.GetValue("authorization"));
        if (key is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "This server needs an API key: send metadata 'x-api-key: KEY' or 'authorization: Bearer KEY'."));
        }

        if (!keys.Accepts(key))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The API key is not accepted."));
        }
    }
}

/// <summary>The server's accepted API keys, compared in constant time.</summary>
internal sealed class ApiKeys(IReadOnlyList<string> keys)
{
    private readonly byte[][] _keys = [.. keys.Select(Encoding.UTF8.GetBytes)];

    /// <summary>True when calls need a key.</summary>
    public bool Required => _keys.Length > 0;

    /// <summary>The key in an <c>authorization: Bearer KEY</c> value, or null.</summary>
    public static string? FromAuthorization(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;

    /// <summary>True when the key is one of the accepted ones.</summary>
    public bool Accepts(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var accepted = false;
        foreach (var candidate in _keys)
        {
            accepted |= CryptographicOperations.FixedTimeEquals(candidate, bytes);
        }

        return accepted;
    }
}
