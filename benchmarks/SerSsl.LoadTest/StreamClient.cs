using System.Diagnostics;
using Grpc.Core;
using SerSsl.Protos.V1;

namespace SerSsl.LoadTest;

/// <summary>What one client saw of one estimate.</summary>
/// <param name="EndSeconds">End of the covered audio in session seconds.</param>
/// <param name="ProcessingMs">The server's processing latency (last sample of the chunk received to the estimate built).</param>
/// <param name="EndToEndMs">From this process sending the chunk's last sample to receiving the estimate.</param>
/// <param name="DroppedSamplesTotal">Audio the server dropped for the session so far.</param>
internal readonly record struct Observation(double EndSeconds, double ProcessingMs, double EndToEndMs, ulong DroppedSamplesTotal);

/// <summary>
/// One real-time stream through <c>Recognize</c>: a config message, then the recording's blocks at wall-clock pace
/// (looping), while the responses are read. Send times are kept so that an estimate's end-to-end latency can be
/// measured from the moment its chunk's last sample left this process.
/// </summary>
internal sealed class StreamClient
{
    private readonly LoadAudio _audio;
    private readonly long[] _sendTimestamps;
    private long _sent;

    public StreamClient(string sessionId, LoadAudio audio, TimeSpan duration)
    {
        SessionId = sessionId;
        _audio = audio;
        _sendTimestamps = new long[(int)Math.Ceiling(duration.TotalSeconds / audio.BlockSeconds) + 1];
    }

    public string SessionId { get; }

    public List<Observation> Observations { get; } = [];

    /// <summary>True once the server confirmed the session.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>End-to-end latency of an estimate that covers audio up to <paramref name="endSeconds"/>, received now.</summary>
    public double EndToEndMs(double endSeconds, long receivedTimestamp)
    {
        var lastSample = (long)Math.Round(endSeconds * LoadAudio.SampleRate) - 1;
        var block = lastSample / _audio.BlockSamples;
        if (block < 0 || block >= Interlocked.Read(ref _sent))
        {
            return double.NaN;
        }

        return Stopwatch.GetElapsedTime(Volatile.Read(ref _sendTimestamps[block]), receivedTimestamp).TotalMilliseconds;
    }

    public async Task RunAsync(Recognizer.RecognizerClient client, TimeSpan phase, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var call = client.Recognize(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new RecognizeRequest
        {
            Config = new RecognizeConfig
            {
                SessionId = SessionId,
                Format = new PcmFormat { SampleRate = LoadAudio.SampleRate, Channels = 1, Encoding = AudioEncoding.S16Le },
            },
        }, cancellationToken);
        var reader = ReadAsync(call.ResponseStream, cancellationToken);
        await Task.Delay(phase, cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var blocks = _sendTimestamps.Length - 1;
        var offset = Random.Shared.Next(_audio.Blocks.Length);
        for (var k = 0; k < blocks; k++)
        {
            var due = TimeSpan.FromSeconds(k * _audio.BlockSeconds) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await call.RequestStream.WriteAsync(new RecognizeRequest { Audio = _audio.Blocks[(offset + k) % _audio.Blocks.Length] }, cancellationToken);
            Volatile.Write(ref _sendTimestamps[k], Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _sent);
        }

        await call.RequestStream.CompleteAsync();
        await reader;
    }

    private async Task ReadAsync(IAsyncStreamReader<RecognizeResponse> responses, CancellationToken cancellationToken)
    {
        await foreach (var response in responses.ReadAllAsync(cancellationToken))
        {
            var received = Stopwatch.GetTimestamp();
            switch (response.ResponseCase)
            {
                case RecognizeResponse.ResponseOneofCase.Started:
                    Started.TrySetResult();
                    break;
                case RecognizeResponse.ResponseOneofCase.Estimate:
                    var e = response.Estimate;
                    Observations.Add(new Observation(e.EndSeconds, e.LatencyMs, EndToEndMs(e.EndSeconds, received), e.DroppedSamplesTotal));
                    break;
            }
        }
    }
}
