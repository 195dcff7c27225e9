using System.Globalization;
using System.Text;
using SerSsl.Streaming.Pipeline;

namespace SerSsl.Streaming.Server;

/// <summary>The server's counters, written in the Prometheus text exposition format (version 0.0.4) at <c>/metrics</c>.</summary>
internal sealed class ServerMetrics : ISessionMetrics
{
    /// <summary>Upper bounds of the latency histogram's buckets, in seconds.</summary>
    private static readonly double[] s_latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _latencyCounts = new long[s_latencyBuckets.Length + 1];
    private readonly Lock _latencyGate = new();
    private double _latencySum;
    private long _estimates;
    private long _droppedSamples;
    private long _subscribers;
    private long _subscribersTotal;
    private long _subscriberDropped;
    private long _sessionsStarted;
    private long _rejected;

    /// <summary>Records a published estimate.</summary>
    public void EstimatePublished(double latencyMs, ulong droppedSamples)
    {
        Interlocked.Increment(ref _estimates);
        Interlocked.Add(ref _droppedSamples, (long)droppedSamples);
        var seconds = latencyMs / 1000;
        var bucket = Array.FindIndex(s_latencyBuckets, b => seconds <= b);
        lock (_latencyGate)
        {
            _latencyCounts[bucket < 0 ? s_latencyBuckets.Length : bucket]++;
            _latencySum += seconds;
        }
    }

    /// <summary>Records a new subscriber.</summary>
    public void SubscriberAdded()
    {
        Interlocked.Increment(ref _subscribers);
        Interlocked.Increment(ref _subscribersTotal);
    }

    /// <summary>Records a subscriber leaving.</summary>
    public void SubscriberRemoved() => Interlocked.Decrement(ref _subscribers);

    /// <summary>Records an event a slow subscriber lost.</summary>
    public void SubscriberEventDropped() => Interlocked.Increment(ref _subscriberDropped);

    /// <summary>Records a started session.</summary>
    public void SessionStarted() => Interlocked.Increment(ref _sessionsStarted);

    /// <summary>Records a call refused for bad input or a limit.</summary>
    public void CallRejected() => Interlocked.Increment(ref _rejected);

    /// <summary>Subscribers now.</summary>
    public long Subscribers => Interlocked.Read(ref _subscribers);

    /// <summary>Writes every metric in the Prometheus text format.</summary>
    /// <param name="sessions">Sessions running now.</param>
    public string Render(int sessions)
    {
        var text = new StringBuilder();
        Metric(text, "serssl_sessions", "gauge", "Sessions running now.", sessions);
        Metric(text, "serssl_sessions_started_total", "counter", "Sessions started since the server started.", Interlocked.Read(ref _sessionsStarted));
        Metric(text, "serssl_subscribers", "gauge", "Subscribers (Subscribe and Recognize streams) now.", Interlocked.Read(ref _subscribers));
        Metric(text, "serssl_subscribers_total", "counter", "Subscribers since the server started.", Interlocked.Read(ref _subscribersTotal));
        Metric(text, "serssl_estimates_total", "counter", "Estimates published.", Interlocked.Read(ref _estimates));
        Metric(text, "serssl_dropped_samples_total", "counter", "Input samples dropped because the pipeline fell behind a live source.", Interlocked.Read(ref _droppedSamples));
        Metric(text, "serssl_subscriber_dropped_events_total", "counter", "Events lost by subscribers that read too slowly.", Interlocked.Read(ref _subscriberDropped));
        Metric(text, "serssl_rejected_calls_total", "counter", "Calls refused for bad input or a limit.", Interlocked.Read(ref _rejected));
        text.Append("# HELP serssl_latency_seconds Processing latency of estimates: last sample of the chunk received to estimate published.\n");
        text.Append("# TYPE serssl_latency_seconds histogram\n");
        lock (_latencyGate)
        {
            long cumulative = 0;
            for (var i = 0; i < s_latencyBuckets.Length; i++)
            {
                cumulative += _latencyCounts[i];
                text.Append(CultureInfo.InvariantCulture, $"serssl_latency_seconds_bucket{{le=\"{s_latencyBuckets[i].ToString(CultureInfo.InvariantCulture)}\"}} {cumulative}\n");
            }

            cumulative += _latencyCounts[^1];
            text.Append(CultureInfo.InvariantCulture, $"serssl_latency_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n");
            text.Append(CultureInfo.InvariantCulture, $"serssl_latency_seconds_sum {_latencySum.ToString("R", CultureInfo.InvariantCulture)}\n");
            text.Append(CultureInfo.InvariantCulture, $"serssl_latency_seconds_count {cumulative}\n");
        }

        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");
}
