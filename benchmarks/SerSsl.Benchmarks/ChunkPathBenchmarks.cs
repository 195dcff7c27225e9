using System.Buffers;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Inference;
using SerSsl.Streaming.Pipeline;

namespace SerSsl.Benchmarks;

/// <summary>
/// One chunk's whole path inside the pipeline, features in and estimate out: the normalised chunk is copied into a
/// pooled buffer and submitted to the inference scheduler, whose thread encodes it, appends the embedding to the
/// session's window, aggregates the window (K up to 6) and hands the probabilities back; the estimate is then built
/// (labels, top label, speech gate, utterance tracking). The scheduler waits up to 2 ms (the default) for the chunks of
/// other active sessions: with one session it runs the chunk at once; with two registered and only this one submitting,
/// every chunk waits the whole 2 ms (the worst case of the batching policy).
/// </summary>
[Config(typeof(Config))]
public class ChunkPathBenchmarks
{
    private BenchmarkModel _model = null!;
    private OnnxEmotionModel _onnx = null!;
    private InferenceScheduler _scheduler = null!;
    private readonly List<InferenceLane<ChunkInfo>> _lanes = [];
    private readonly List<UtteranceEvent> _events = [];
    private InferenceLane<ChunkInfo> _lane = null!;
    private EstimateBuilder _builder = null!;
    private float[] _features = [];
    private long _index;

    /// <summary>Sessions the scheduler counts as active (only one submits).</summary>
    [Params(1, 2)]
    public int ActiveSessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchmarkModel.Create();
        _onnx = OnnxEmotionModel.Load(_model.Bundle, InferenceOptions.Default);
        _scheduler = new InferenceScheduler(_onnx);
        for (var i = 0; i < ActiveSessions; i++)
        {
            _lanes.Add(_scheduler.OpenLane<ChunkInfo>());
        }

        _lane = _lanes[0];
        _builder = new EstimateBuilder("bench", _model.Bundle.Labels, StreamingSessionOptions.Default);
        var random = new Random(5);
        _features = new float[_onnx.ChunkFrames * _onnx.MelBins];
        for (var i = 0; i < _features.Length; i++)
        {
            _features[i] = (float)((random.NextDouble() * 2) - 1);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }

        _scheduler.Dispose();
        _onnx.Dispose();
        _model.Dispose();
    }

    /// <summary>Features in, estimate out, for one chunk.</summary>
    [Benchmark]
    public EmotionEstimate OneChunk()
    {
        var chunk = ArrayPool<float>.Shared.Rent(_features.Length);
        _features.CopyTo(chunk, 0);
        var info = new ChunkInfo
        {
            Index = _index++,
            StartSeconds = 0,
            EndSeconds = 1,
            ArrivalTimestamp = Stopwatch.GetTimestamp(),
            SpeechProbability = 1f,
        };
        _lane.Submit(chunk, info);
        var result = _lane.Results.TryRead(out var ready) ? ready : _lane.Results.ReadAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            if (result.Error is not null)
            {
                throw new InvalidOperationException("A benchmark chunk failed.", result.Error);
            }

            var estimate = _builder.Build(result.Tag, result.Span, _events);
            _events.Clear();
            return estimate;
        }
        finally
        {
            result.Return();
        }
    }

    private static Job InProcessShortRun => Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcessShort");

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddDiagnoser(MemoryDiagnoser.Default);
            AddJob(InProcessShortRun);
        }
    }
}
