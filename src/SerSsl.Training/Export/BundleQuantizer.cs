using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SerSsl.Core.Models;
using SerSsl.Core.Models.Onnx;
using SerSsl.Training.Data.Features;

namespace SerSsl.Training.Export;

/// <summary>What <c>sers-train quantize</c> is asked to do.</summary>
/// <param name="Bundle">The bundle folder (its float32 encoder is read; encoder.int8.onnx and the manifest are written).</param>
/// <param name="Calibration">Audio files, folders (searched for .wav and .opus) or text files listing one audio path a line.</param>
/// <param name="MaxClips">Largest number of clips read (a seeded random choice when there are more).</param>
/// <param name="ChunksPerClip">Largest number of chunks taken from each clip, spread over it.</param>
/// <param name="HeldOutShare">Share of the clips kept out of calibration for the int8-against-float32 check.</param>
/// <param name="Seed">Seed of the clip choice and split.</param>
internal sealed record QuantizeRequest(string Bundle, IReadOnlyList<string> Calibration, int MaxClips = 600, int ChunksPerClip = 4, double HeldOutShare = 0.2, int Seed = 20261202);

/// <summary>The int8 encoder against the float32 one on the held-out clips.</summary>
/// <param name="Clips">Held-out clips compared.</param>
/// <param name="MaxProbability">Largest absolute difference of any clip's probability.</param>
/// <param name="MeanProbability">Mean absolute difference of probabilities.</param>
/// <param name="TopLabelAgreement">Share of clips whose most likely label is the same.</param>
/// <param name="EmbeddingRelativeError">‖int8 − float32‖ / ‖float32‖ over all held-out chunk embeddings.</param>
internal sealed record QuantizationParity(int Clips, float MaxProbability, float MeanProbability, float TopLabelAgreement, float EmbeddingRelativeError)
{
    /// <summary>Least share of held-out clips that must keep their most likely label.</summary>
    public const float MinTopLabelAgreement = 0.9f;

    /// <summary>Largest accepted mean absolute probability difference.</summary>
    public const float MaxMeanProbability = 0.03f;

    /// <summary>Whether the int8 encoder is close enough to ship.</summary>
    public bool WithinTolerance => TopLabelAgreement >= MinTopLabelAgreement && MeanProbability <= MaxMeanProbability;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Clips} held-out clips: top label kept {TopLabelAgreement:P1} (at least {MinTopLabelAgreement:P0}), probabilities mean |int8 - fp32| {MeanProbability:0.0000} (at most {MaxMeanProbability}), max {MaxProbability:0.0000}; embeddings relative error {EmbeddingRelativeError:0.000}");
}

/// <summary>Encoder speed on one thread at one batch size, float32 against int8.</summary>
/// <param name="Batch">Chunks per run.</param>
/// <param name="Fp32ChunksPerSecond">Float32 encoder throughput.</param>
/// <param name="Int8ChunksPerSecond">Int8 encoder throughput.</param>
internal sealed record QuantizationSpeed(int Batch, double Fp32ChunksPerSecond, double Int8ChunksPerSecond)
{
    /// <summary>How many times faster int8 ran.</summary>
    public double Ratio => Int8ChunksPerSecond / Fp32ChunksPerSecond;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"batch {Batch}, one thread: fp32 {Fp32ChunksPerSecond:N0} chunks/s, int8 {Int8ChunksPerSecond:N0} chunks/s ({Ratio:0.00}x)");
}

/// <summary>The written int8 encoder and its checks.</summary>
internal sealed record QuantizeOutcome(ModelBundle Bundle, QuantizationSummary Summary, QuantizationParity Parity, QuantizationSpeed Speed, IReadOnlyDictionary<string, int> FusedOperators);

/// <summary>
/// <c>sers-train quantize</c>: calibrates and writes an int8 encoder beside a bundle's float32 one, checks it against
/// the float32 bundle on held-out clips, measures both encoders' speed, and records it in the manifest.
/// </summary>
internal static class BundleQuantizer
{
    /// <summary>File name of the int8 encoder graph.</summary>
    public const string Int8EncoderFile = "encoder.int8.onnx";

    /// <summary>Runs the request.</summary>
    /// <param name="request">What to do.</param>
    /// <param name="log">Progress and results.</param>
    /// <returns>The reloaded bundle and the checks.</returns>
    /// <exception cref="ArgumentException">No calibration audio, or bad settings.</exception>
    /// <exception cref="InvalidOperationException">The int8 encoder is not within tolerance of the float32 one (nothing is written).</exception>
    public static QuantizeOutcome Run(QuantizeRequest request, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        if (request.MaxClips < 5 || request.ChunksPerClip < 1 || request.HeldOutShare is <= 0 or >= 1)
        {
            throw new ArgumentException("--max-clips must be at least 5, --chunks-per-clip at least 1, and the held-out share between 0 and 1.");
        }

        var bundle = ModelBundle.Load(request.Bundle);
        var manifest = bundle.Manifest;
        var files = AudioFiles(request.Calibration);
        if (files.Count < 5)
        {
            throw new ArgumentException($"Calibration needs at least 5 audio files (.wav or .opus); found {files.Count} in {string.Join(", ", request.Calibration)}.");
        }

        var random = new Random(request.Seed);
        var chosen = files.OrderBy(_ => random.Next()).Take(request.MaxClips).ToList();
        var heldOutCount = Math.Max(1, (int)Math.Round(chosen.Count * request.HeldOutShare));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calibration: {chosen.Count} of {files.Count} audio files ({chosen.Count - heldOutCount} to calibrate, {heldOutCount} held out for the check), up to {request.ChunksPerClip} chunks each"));
        var clips = Features(chosen, manifest, request.ChunksPerClip, log);
        var calibration = clips.Skip(heldOutCount).SelectMany(c => c).ToList();
        var heldOut = clips.Take(heldOutCount).Where(c => c.Count > 0).ToList();
        if (calibration.Count == 0 || heldOut.Count == 0)
        {
            throw new ArgumentException("The calibration audio gave no full chunk (every file is shorter than one chunk); give longer recordings.");
        }

        var floatModel = ModelProto.Parser.ParseFrom(File.ReadAllBytes(bundle.EncoderPath));
        var frames = manifest.Chunks.Frames;
        var bins = manifest.Features.MelBinCount;
        var lastReport = Stopwatch.StartNew();
        var (int8Model, summary) = EncoderQuantizer.Quantize(floatModel, calibration, frames, bins, done =>
        {
            if (lastReport.Elapsed > TimeSpan.FromSeconds(5) || done == calibration.Count)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ranges: {done}/{calibration.Count} chunks ({(double)done / calibration.Count:P0})"));
                lastReport.Restart();
            }
        });
        var int8Bytes = int8Model.ToByteArray();

        using var fp32Encoder = NewSession(File.ReadAllBytes(bundle.EncoderPath));
        using var int8Encoder = NewSession(int8Bytes);
        using var aggregator = NewSession(File.ReadAllBytes(bundle.AggregatorPath));
        var parity = Compare(heldOut, manifest, fp32Encoder, int8Encoder, aggregator);
        log.WriteLine($"check: {parity}");
        if (!parity.WithinTolerance)
        {
            throw new InvalidOperationException($"The int8 encoder is not within tolerance of the float32 one ({parity}); nothing was written. Calibrate on more or more typical audio (--calibration), or keep float32.");
        }

        var speed = Speed(fp32Encoder, int8Encoder, manifest.Encoder.Input, frames, bins, calibration);
        log.WriteLine($"speed: {speed}");
        var fused = FusedOperators(int8Bytes);
        log.WriteLine("ONNX Runtime runs the int8 encoder as: " + string.Join(", ", fused.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} x{p.Value}")));

        var path = Path.Combine(bundle.Directory, Int8EncoderFile);
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, int8Bytes);
        File.Move(temp, path, overwrite: true);
        var description = string.Create(CultureInfo.InvariantCulture, $"{calibration.Count:N0} chunks of {chosen.Count - heldOutCount} clips from {string.Join(", ", request.Calibration.Select(Path.GetFileName))}");
        var updated = manifest with
        {
            EncoderInt8 = new QuantizedGraphFile
            {
                File = Int8EncoderFile,
                Input = manifest.Encoder.Input,
                Output = manifest.Encoder.Output,
                Calibration = description,
                MaxProbabilityDifference = parity.MaxProbability,
                TopLabelAgreement = parity.TopLabelAgreement,
            },
        };
        ModelBundle.WriteManifest(bundle.Directory, updated);
        return new QuantizeOutcome(ModelBundle.Load(bundle.Directory), summary, parity, speed, fused);
    }

    /// <summary>The audio files a list of paths names: files as given, folders searched recursively, .txt lists read.</summary>
    internal static List<string> AudioFiles(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsAudio).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path) && path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            {
                var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
                foreach (var line in File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
                {
                    var file = Path.IsPathRooted(line) ? line : Path.Combine(baseDir, line);
                    if (!File.Exists(file))
                    {
                        throw new FileNotFoundException($"{path} lists '{line}', which does not exist.", file);
                    }

                    files.Add(file);
                }
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new FileNotFoundException($"Calibration path '{path}' does not exist; give audio files, folders of them, or a .txt list.", path);
            }
        }

        return files;

        static bool IsAudio(string file) =>
            file.EndsWith(".wav", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".opus", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Each file's normalised chunks (at most <paramref name="perClip"/>, spread over the clip), as the runtime cuts them.</summary>
    private static List<List<float[]>> Features(IReadOnlyList<string> files, ModelManifest manifest, int perClip, TextWriter log)
    {
        var frames = manifest.Chunks.Frames;
        var bins = manifest.Features.MelBinCount;
        var mean = manifest.Normalization.Mean;
        var std = manifest.Normalization.Std;
        var result = new List<float[]>[files.Count];
        var done = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, files.Count, i =>
        {
            var features = FeatureCache.Compute(files[i], Path.GetFileNameWithoutExtension(files[i]), manifest.Features);
            var chunks = new List<float[]>();
            var available = features.FrameCount - frames;
            if (available >= 0)
            {
                var hop = manifest.Chunks.DefaultHopFrames;
                var starts = Enumerable.Range(0, (available / hop) + 1).Select(k => k * hop).ToList();
                var step = Math.Max(1, starts.Count / perClip);
                foreach (var start in starts.Where((_, k) => k % step == 0).Take(perClip))
                {
                    var chunk = new float[frames * bins];
                    for (var f = 0; f < frames; f++)
                    {
                        var frame = features.Frame(start + f);
                        for (var b = 0; b < bins; b++)
                        {
                            chunk[(f * bins) + b] = (frame[b] - mean[b]) / std[b];
                        }
                    }

                    chunks.Add(chunk);
                }
            }

            result[i] = chunks;
            var n = Interlocked.Increment(ref done);
            if (n % Math.Max(1, files.Count / 10) == 0 || n == files.Count)
            {
                lock (log)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"features: {n}/{files.Count} clips ({(double)n / files.Count:P0}), {clock.Elapsed:mm\\:ss} elapsed"));
                }
            }
        });
        return [.. result];
    }

    private static InferenceSession NewSession(byte[] model)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(model, options);
    }

    private static QuantizationParity Compare(List<List<float[]>> clips, ModelManifest manifest, InferenceSession fp32, InferenceSession int8, InferenceSession aggregator)
    {
        var frames = manifest.Chunks.Frames;
        var bins = manifest.Features.MelBinCount;
        var d = manifest.EmbeddingDim;
        double maxP = 0, sumP = 0, errSq = 0, refSq = 0;
        var countP = 0;
        var agree = 0;
        foreach (var clip in clips)
        {
            var input = new float[clip.Count * frames * bins];
            for (var i = 0; i < clip.Count; i++)
            {
                clip[i].CopyTo(input, i * frames * bins);
            }

            var a = Encode(fp32, manifest.Encoder.Input, input, clip.Count, frames, bins);
            var b = Encode(int8, manifest.Encoder.Input, input, clip.Count, frames, bins);
            for (var i = 0; i < a.Length; i++)
            {
                errSq += (a[i] - b[i]) * (double)(a[i] - b[i]);
                refSq += a[i] * (double)a[i];
            }

            var pa = Aggregate(aggregator, manifest, a, clip.Count, d);
            var pb = Aggregate(aggregator, manifest, b, clip.Count, d);
            for (var i = 0; i < pa.Length; i++)
            {
                var diff = Math.Abs(pa[i] - pb[i]);
                maxP = Math.Max(maxP, diff);
                sumP += diff;
                countP++;
            }

            if (ArgMax(pa) == ArgMax(pb))
            {
                agree++;
            }
        }

        return new QuantizationParity(clips.Count, (float)maxP, (float)(sumP / countP), (float)agree / clips.Count, (float)Math.Sqrt(errSq / Math.Max(refSq, 1e-30)));
    }

    private static float[] Encode(InferenceSession session, string input, float[] chunks, int count, int frames, int bins)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(chunks, [count, frames, bins]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [input], [value], session.OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] Aggregate(InferenceSession session, ModelManifest manifest, float[] embeddings, int count, int d)
    {
        // One window over the clip's chunks, at most K of them as the runtime would combine.
        var k = Math.Min(count, manifest.Chunks.MaxChunks);
        var window = embeddings.AsSpan(0, k * d).ToArray();
        var mask = Enumerable.Repeat(1f, k).ToArray();
        using var e = OrtValue.CreateTensorValueFromMemory(window, [1, k, d]);
        using var m = OrtValue.CreateTensorValueFromMemory(mask, [1, k]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [manifest.Aggregator.EmbeddingsInput, manifest.Aggregator.MaskInput], [e, m], [manifest.Aggregator.ProbabilitiesOutput]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Both encoders at batch 32 on one thread, alternating, best of several timed rounds each.</summary>
    private static QuantizationSpeed Speed(InferenceSession fp32, InferenceSession int8, string input, int frames, int bins, List<float[]> chunks)
    {
        const int batch = 32;
        var data = new float[batch * frames * bins];
        for (var i = 0; i < batch; i++)
        {
            chunks[i % chunks.Count].CopyTo(data, i * frames * bins);
        }

        double best32 = double.MaxValue, best8 = double.MaxValue;
        for (var round = 0; round < 7; round++)
        {
            best32 = Math.Min(best32, Time(fp32));
            best8 = Math.Min(best8, Time(int8));
        }

        return new QuantizationSpeed(batch, batch / best32, batch / best8);

        double Time(InferenceSession session)
        {
            const int runs = 5;
            Encode(session, input, data, batch, frames, bins);
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < runs; r++)
            {
                Encode(session, input, data, batch, frames, bins);
            }

            return clock.Elapsed.TotalSeconds / runs;
        }
    }

    /// <summary>The operator types ONNX Runtime actually runs after its graph optimisations (e.g. QLinearConv).</summary>
    internal static Dictionary<string, int> FusedOperators(byte[] model)
    {
        var optimized = Path.Combine(Path.GetTempPath(), $"serssl-int8-{Guid.NewGuid():N}.onnx");
        try
        {
            // The saved graph is only read for its operator types; ONNX Runtime warns that it is tied to this CPU.
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR })
            using (new InferenceSession(model, options))
            {
            }

            var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph;
            return graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
        finally
        {
            File.Delete(optimized);
        }
    }
}
