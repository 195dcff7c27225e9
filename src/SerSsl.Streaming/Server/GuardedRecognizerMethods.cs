using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SerSsl.Protos.V1;

namespace SerSsl.Streaming.Server;

/// <summary>
/// Binds the <c>serssl.v1.Recognizer</c> methods to <see cref="RecognizerService"/> with the generated method
/// descriptions, except that a request message that is not valid protobuf answers INVALID_ARGUMENT, with one warning
/// line, rather than gRPC's UNKNOWN with a stack trace in the log for every such request.
/// </summary>
/// <remarks>
/// The request is decoded before any interceptor or handler runs (for unary and server-streaming calls), so the only
/// place to turn a decoding failure into a status is the request marshaller.
/// </remarks>
internal sealed class GuardedRecognizerMethods(ServerSessions registry, ILogger<RecognizerService> logger) : IServiceMethodProvider<RecognizerService>
{
    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<RecognizerService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var generated = new MethodCollector();
        Recognizer.BindService(generated, null!);
        context.AddDuplexStreamingMethod(Guard(generated.Get<RecognizeRequest, RecognizeResponse>("Recognize")), [], (service, requests, responses, call) => service.Recognize(requests, responses, call));
        context.AddServerStreamingMethod(Guard(generated.Get<SubscribeRequest, SessionEvent>("Subscribe")), [], (service, request, responses, call) => service.Subscribe(request, responses, call));
        context.AddUnaryMethod(Guard(generated.Get<ListSessionsRequest, ListSessionsResponse>("ListSessions")), [], (service, request, call) => service.ListSessions(request, call));
        context.AddUnaryMethod(Guard(generated.Get<GetModelInfoRequest, ModelInfo>("GetModelInfo")), [], (service, request, call) => service.GetModelInfo(request, call));
        if (generated.Count != 4)
        {
            throw new InvalidOperationException($"serssl.v1.Recognizer has {generated.Count} methods and {nameof(GuardedRecognizerMethods)} binds 4: bind the new ones too.");
        }
    }

    private Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var requests = method.RequestMarshaller;
        var name = method.FullName;
        var marshaller = Marshallers.Create(requests.ContextualSerializer, context =>
        {
            try
            {
                return requests.ContextualDeserializer(context);
            }
            catch (InvalidProtocolBufferException ex)
            {
                var message = $"The {typeof(TRequest).Name} message ({context.PayloadLength} bytes) is not valid protobuf: {ex.Message} Send a serssl.v1.{typeof(TRequest).Name} as recognizer.proto defines it.";
                registry.Metrics.CallRejected();
                ServerLog.MalformedRequest(logger, name, context.PayloadLength, ex.Message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, message));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    /// <summary>Collects the generated method descriptions (names, types, marshallers) without binding handlers.</summary>
    private sealed class MethodCollector : ServiceBinderBase
    {
        private readonly Dictionary<string, IMethod> _methods = new(StringComparer.Ordinal);

        public int Count => _methods.Count;

        public Method<TRequest, TResponse> Get<TRequest, TResponse>(string name)
            where TRequest : class
            where TResponse : class =>
            (Method<TRequest, TResponse>)_methods[name];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) => _methods[method.Name] = method;
    }
}
