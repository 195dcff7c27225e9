using System.Buffers.Binary;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Server;
using SerSsl.Streaming.Tests.Server;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Fuzz;

/// <summary>
/// The gRPC request messages through the service: mutated protobuf (and now and then mutated framing) posted to every
/// Recognizer method, and the health check, of an in-process server. Only documented statuses may come back, never UNKNOWN, and nothing may
/// be logged with a stack trace; the server must go on serving.
/// </summary>
public sealed class GrpcFuzzTests
{
    private static readonly TimeSpan s_perRequest = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Recognizer_MutatedRequests_OnlyDocumentedStatuses()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ServerHarness.StartAsync(Transport.InProcess, new ServerOptions { MaxSessionsPerClient = 16 });
        var audio = ServerAudio.S16(ServerAudio.Tone(16_000, 0.1));
        var seeds = new (string Method, IMessage[] Messages)[]
        {
            ("Recognize", [ServerAudio.Config(sessionId: "fuzz"), ServerAudio.Audio(audio)]),
            ("Recognize", [ServerAudio.Config(rate: 44_100, channels: 2, encoding: AudioEncoding.F32Le), ServerAudio.Audio(new byte[352])]),
            ("Subscribe", [new SubscribeRequest { SessionId = "fuzz", FromSequence = 3 }]),
            ("ListSessions", [new ListSessionsRequest()]),
            ("GetModelInfo", [new GetModelInfoRequest()]),
            ("/grpc.health.v1.Health/Check", [new Grpc.Health.V1.HealthCheckRequest { Service = "serssl.v1.Recognizer" }]),
        };
        var corpus = seeds.SelectMany(s => s.Messages).Select(m => m.ToByteArray()).Where(b => b.Length > 0).ToList();
        var mutator = new InputMutator(11);
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        var iterations = Math.Max(seeds.Length, InputMutator.Iterations(3000) / 10);

        for (var i = 0; i < iterations; i++)
        {
            var (method, messages) = seeds[i % seeds.Length];
            var frames = messages.Select(m => i < seeds.Length ? m.ToByteArray() : mutator.Mutate(m.ToByteArray(), corpus)).ToList();
            var body = Frame(frames);
            var framingMutated = i >= seeds.Length && i % 7 == 0;
            if (framingMutated)
            {
                body = mutator.Mutate(body, corpus);
            }

            var watch = Stopwatch.StartNew();
            var (status, message) = await RawGrpc.PostAsync(server, method.StartsWith('/') ? method : $"/serssl.v1.Recognizer/{method}", body, ct);
            Assert.True(watch.Elapsed < s_perRequest, $"iteration {i}: {method} took {watch.Elapsed}");
            var code = status is null ? (StatusCode?)null : (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
            var allowed = code is StatusCode.OK or StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.AlreadyExists or StatusCode.NotFound
                || (framingMutated && code is StatusCode.Internal);
            Assert.True(allowed, $"iteration {i}: {method} answered {code?.ToString() ?? "no status"} ({message}) to {Convert.ToHexString(body)}");
            var key = $"{method} {code}";
            statuses[key] = statuses.GetValueOrDefault(key) + 1;
        }

        TestContext.Current.SendDiagnosticMessage($"gRPC: {string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.DoesNotContain(server.Logs.Events, e => e.Exception is not null);
        Assert.Contains(statuses.Keys, k => k.EndsWith("InvalidArgument", StringComparison.Ordinal));
        var info = await server.Client.GetModelInfoAsync(new GetModelInfoRequest(), cancellationToken: ct);
        Assert.Equal(server.Engine.Bundle.Labels, info.Labels);
        await Support.Eventually.WaitUntil(() => server.Registry.All.Count == 0, ct);
    }

    private static byte[] Frame(IEnumerable<byte[]> messages)
    {
        var body = new List<byte>();
        Span<byte> prefix = stackalloc byte[5];
        foreach (var message in messages)
        {
            prefix[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)message.Length);
            body.AddRange(prefix.ToArray());
            body.AddRange(message);
        }

        return [.. body];
    }
}
