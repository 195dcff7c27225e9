using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Refuses calls without an accepted API key (metadata <c>x-api-key: KEY</c> or <c>authorization: Bearer KEY</c>)
/// with UNAUTHENTICATED, when the server has keys, and records the <see cref="Caller"/> for the service. The health
/// service stays open, for load balancers and probes.
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
            Caller.Set(context, key: null);
            return;
        }

        var presented = context.RequestHeaders.GetValue("x-api-key") ?? ApiKeys.FromAuthorization(context.RequestHeaders.GetValue("authorization"));
        if (presented is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "This server needs an API key: send metadata 'x-api-key: KEY' or 'authorization: Bearer KEY'."));
        }

        var key = keys.Find(presented) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "The API key is not accepted."));
        Caller.Set(context, key);
    }
}
