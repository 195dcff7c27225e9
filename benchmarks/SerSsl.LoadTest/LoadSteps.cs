using System.Diagnostics;
using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using SerSsl.Protos.V1;

namespace SerSsl.LoadTest;

/// <summary>The outcome of N concurrent real-time streams.</summary>
internal sealed record StreamStepResult(
    int Streams,
    double Seconds,
    long Estimates,
    long ExpectedEstimates,
    double EstimatesPerSecond,
    double ProcessingP50,
    double ProcessingP95,
    double ProcessingP99,
    double EndToEndP50,
    double EndToEndP95,
    double EndToEndP99,
    double CpuCores,
    double MemoryPerSessionMiB,
    ulong DroppedSamples,
    bool RealTime);

/// <summary>The outcome of one session delivered to M subscribers.</summary>
internal sealed record FanOutStepResult(int Subscribers, double Seconds, long Delivered, double DeliveredPerSecond, double DeliveryP50, double DeliveryP95, double DeliveryP99, long Gaps, double CpuCores);

/// <summary>Runs the load steps against one server.</summary>
internal sealed class LoadSteps(string address, ServerProcess? server, LoadAudio audio, TimeSpan duration, TimeSpan warmup)
{
    private int _step;

    /// <summary>Estimates one stream should get in <paramref name="seconds"/> of audio at a 250 ms hop after the first second.</summary>
    private static long ExpectedPerStream(double seconds) => Math.Max(0, (long)Math.Floor((seconds - 1.015) / 0.25) + 1);

    public async Task<StreamStepResult> StreamsAsync(int streams, CancellationToken cancellationToken)
    {
        var step = Interlocked.Increment(ref _step);
        using var channel = Channel();
        var client = new Recognizer.RecognizerClient(channel);
        GC.Collect();
        await Task.Delay(500, cancellationToken);
        var baseline = server?.ResidentBytes() ?? 0;
        var clients = Enumerable.Range(0, streams).Select(i => new StreamClient($"load{step}-{i}", audio, duration)).ToArray();
        var cpuBefore = server?.CpuTime() ?? TimeSpan.Zero;
        var wall = Stopwatch.StartNew();
        var runs = clients.Select(c => c.RunAsync(client, TimeSpan.FromMilliseconds(Random.Shared.Next(250)), duration, cancellationToken)).ToArray();

        // Resident memory once every session is running and warmed up.
        await Task.Delay(warmup + TimeSpan.FromSeconds(1), cancellationToken);
        var loaded = server?.ResidentBytes() ?? 0;
        await Task.WhenAll(runs);
        wall.Stop();
        var cpu = (server?.CpuTime() ?? TimeSpan.Zero) - cpuBefore;

        var observations = clients.SelectMany(c => c.Observations).ToArray();
        var measured = observations.Where(o => o.EndSeconds >= warmup.TotalSeconds).ToArray();
        var processing = Stats.Sorted(measured.Select(o => o.ProcessingMs));
        var endToEnd = Stats.Sorted(measured.Select(o => o.EndToEndMs));
        var expected = streams * ExpectedPerStream(duration.TotalSeconds);
        var dropped = clients.Select(c => c.Observations.Count == 0 ? 0UL : c.Observations[^1].DroppedSamplesTotal).Aggregate(0UL, (a, b) => a + b);
        var p99 = Stats.Percentile(processing, 99);
        return new StreamStepResult(
            streams,
            wall.Elapsed.TotalSeconds,
            observations.Length,
            expected,
            observations.Length / wall.Elapsed.TotalSeconds,
            Stats.Percentile(processing, 50),
            Stats.Percentile(processing, 95),
            p99,
            Stats.Percentile(endToEnd, 50),
            Stats.Percentile(endToEnd, 95),
            Stats.Percentile(endToEnd, 99),
            server is null ? double.NaN : cpu.TotalSeconds / wall.Elapsed.TotalSeconds,
            server is null ? double.NaN : (loaded - baseline) / 1024.0 / 1024.0 / streams,
            dropped,
            RealTime: observations.Length >= 0.95 * expected && dropped == 0 && p99 < 100);
    }

    public async Task<FanOutStepResult> FanOutAsync(int subscribers, CancellationToken cancellationToken)
    {
        var step = Interlocked.Increment(ref _step);
        using var channel = Channel();
        var client = new Recognizer.RecognizerClient(channel);
        var source = new StreamClient($"fanout{step}", audio, duration);
        var cpuBefore = server?.CpuTime() ?? TimeSpan.Zero;
        var wall = Stopwatch.StartNew();
        var producer = source.RunAsync(client, TimeSpan.Zero, duration, cancellationToken);
        await source.Started.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var latencies = new List<double>[subscribers];
        var gaps = 0L;
        var delivered = 0L;
        var readers = Enumerable.Range(0, subscribers).Select(async i =>
        {
            var mine = latencies[i] = [];
            using var call = client.Subscribe(new SubscribeRequest { SessionId = source.SessionId }, cancellationToken: cancellationToken);
            await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                var received = Stopwatch.GetTimestamp();
                if (e.EventCase == SessionEvent.EventOneofCase.Estimate)
                {
                    Interlocked.Increment(ref delivered);
                    if (e.Estimate.EndSeconds >= warmup.TotalSeconds)
                    {
                        mine.Add(source.EndToEndMs(e.Estimate.EndSeconds, received));
                    }
                }
                else if (e.EventCase == SessionEvent.EventOneofCase.Gap)
                {
                    Interlocked.Increment(ref gaps);
                }
            }
        }).ToArray();
        await producer;
        await Task.WhenAll(readers);
        wall.Stop();
        var cpu = (server?.CpuTime() ?? TimeSpan.Zero) - cpuBefore;
        var sorted = Stats.Sorted(latencies.SelectMany(l => l));
        return new FanOutStepResult(
            subscribers,
            wall.Elapsed.TotalSeconds,
            delivered,
            delivered / wall.Elapsed.TotalSeconds,
            Stats.Percentile(sorted, 50),
            Stats.Percentile(sorted, 95),
            Stats.Percentile(sorted, 99),
            gaps,
            server is null ? double.NaN : cpu.TotalSeconds / wall.Elapsed.TotalSeconds);
    }

    private GrpcChannel Channel() => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        // Kestrel allows 100 concurrent streams per HTTP/2 connection by default: open more connections as needed.
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
        MaxReceiveMessageSize = 4 * 1024 * 1024,
    });
}
