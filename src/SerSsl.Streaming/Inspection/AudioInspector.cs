using SerSsl.Core.Audio;
using SerSsl.Core.Chunking;
using SerSsl.Core.Features;

namespace SerSsl.Streaming.Inspection;

/// <summary>One streaming chunk of an inspected recording.</summary>
/// <param name="Index">Chunk index k; the chunk covers frames [k * hop, k * hop + m).</param>
/// <param name="StartSeconds">Start of the chunk's first frame, in seconds of the recording.</param>
/// <param name="EndSeconds">End of the chunk's last frame window, in seconds of the recording.</param>
/// <param name="MeanEnergyDb">Mean frame log-energy inside the chunk, in dB.</param>
/// <param name="EnergyStdDb">Standard deviation of the frame log-energy inside the chunk, in dB (pretext task 1's measure).</param>
internal sealed record ChunkSummary(int Index, double StartSeconds, double EndSeconds, double MeanEnergyDb, double EnergyStdDb);

/// <summary>What <see cref="AudioInspector"/> found in a recording.</summary>
internal sealed record InspectionReport(
    string Path,
    string Codec,
    int Channels,
    int SampleRate,
    double DurationSeconds,
    long CanonicalSamples,
    long Frames,
    int MelBins,
    int ChunkFrames,
    int HopFrames,
    double MeanEnergyDb,
    double MinEnergyDb,
    double MaxEnergyDb,
    double ActiveFraction,
    double ActivityThresholdDb,
    IReadOnlyList<ChunkSummary> Chunks);

/// <summary>
/// Runs a WAV or Ogg Opus recording through the streaming front end (decode, downmix, resample to 16 kHz, online log-mel with
/// frame energies, sliding chunker) block by block, exactly as live audio would flow, and summarises what came out.
/// </summary>
internal sealed class AudioInspector
{
    private const int BlockFrames = 4096;

    /// <summary>Frames at or above this log-energy count as active (roughly speech-level for full-scale input).</summary>
    public const double DefaultActivityThresholdDb = -50;

    private readonly LogMelSettings _settings;
    private readonly int _chunkFrames;
    private readonly int _hopFrames;

    public AudioInspector(LogMelSettings? settings = null, int chunkFrames = 100, int hopFrames = 25)
    {
        _settings = settings ?? LogMelSettings.Default;
        _settings.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hopFrames, 1);
        _chunkFrames = chunkFrames;
        _hopFrames = hopFrames;
    }

    /// <summary>Inspects the WAV or Ogg Opus file at <paramref name="path"/> (recognised by content).</summary>
    /// <exception cref="Sources.AudioSourceException">
    /// The file is missing, a directory, unreadable, not a WAV or Ogg Opus file this project can read, damaged, or at a
    /// rate or channel count the streaming front end does not take (the same checks and messages as <c>sers analyze</c>).
    /// </exception>
    public InspectionReport Inspect(string path, CancellationToken cancellationToken = default)
    {
        using var reader = Sources.AudioFileAccess.Open(path, "Check the path; `sers inspect` reads WAV and Ogg Opus files.");
        var resampler = new Resampler(reader.SampleRate, _settings.SampleRate);
        var extractor = new OnlineLogMelExtractor(_settings);
        var energyChunker = new SlidingChunker(binCount: 1, _chunkFrames, _hopFrames);

        var mono = new float[BlockFrames];
        var canonical = new float[Math.Max(resampler.GetMaxOutputLength(BlockFrames), resampler.MaxFlushLength)];
        var bins = _settings.MelBinCount;
        // At most (pending + block - window) / hop + 1 frames per block, with fewer than one window pending.
        var frames = new float[((canonical.Length / _settings.HopLength) + 1) * bins];
        var energies = new float[frames.Length / bins];

        var chunks = new List<ChunkSummary>();
        long canonicalSamples = 0, frameCount = 0, active = 0;
        double energySum = 0, energyMin = double.PositiveInfinity, energyMax = double.NegativeInfinity;
        var frameSeconds = (double)_settings.HopLength / _settings.SampleRate;
        var windowSeconds = (double)_settings.WindowLength / _settings.SampleRate;

        void Consume(ReadOnlySpan<float> samples)
        {
            canonicalSamples += samples.Length;
            var produced = extractor.Process(samples, frames, energies);
            for (var i = 0; i < produced; i++)
            {
                double e = energies[i];
                frameCount++;
                energySum += e;
                energyMin = Math.Min(energyMin, e);
                energyMax = Math.Max(energyMax, e);
                if (e >= DefaultActivityThresholdDb)
                {
                    active++;
                }

                if (energyChunker.TryAddFrame(energies.AsSpan(i, 1), out var chunk))
                {
                    var index = (int)energyChunker.ChunksEmitted - 1;
                    var start = (double)index * _hopFrames * frameSeconds;
                    var (mean, std) = MeanAndStd(chunk);
                    chunks.Add(new ChunkSummary(index, start, start + ((_chunkFrames - 1) * frameSeconds) + windowSeconds, mean, std));
                }
            }
        }

        int read;
        while ((read = Sources.AudioFileAccess.Read(reader, mono, path, mono: true)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Consume(canonical.AsSpan(0, resampler.Process(mono.AsSpan(0, read), canonical)));
        }

        Consume(canonical.AsSpan(0, resampler.Flush(canonical)));

        return new InspectionReport(
            Path.GetFileName(path),
            reader is OggOpusReader opus
                ? $"Ogg Opus, pre-skip {opus.PreSkip}, encoded from {(opus.InputSampleRate > 0 ? $"{opus.InputSampleRate} Hz" : "an unstated rate")}, decoded at 48 kHz"
                : reader.Codec,
            reader.Channels,
            reader.SampleRate,
            (double)reader.FramesRead / reader.SampleRate,
            canonicalSamples,
            frameCount,
            bins,
            _chunkFrames,
            _hopFrames,
            frameCount == 0 ? double.NaN : energySum / frameCount,
            frameCount == 0 ? double.NaN : energyMin,
            frameCount == 0 ? double.NaN : energyMax,
            frameCount == 0 ? 0 : (double)active / frameCount,
            DefaultActivityThresholdDb,
            chunks);
    }

    private static (double Mean, double Std) MeanAndStd(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, Math.Sqrt(squares / values.Length));
    }
}
