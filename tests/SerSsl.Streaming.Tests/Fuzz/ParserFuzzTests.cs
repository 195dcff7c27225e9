using System.Diagnostics;
using SerSsl.Core.Audio;
using SerSsl.Core.Models;
using SerSsl.Streaming.Inspection;
using SerSsl.Streaming.Sources;
using SerSsl.TestSupport;

namespace SerSsl.Streaming.Tests.Fuzz;

/// <summary>
/// The bounded fuzz stage: each parser gets thousands of mutated inputs from the seed corpus in <c>Fuzz/corpus</c>
/// (our own small files), and only its documented exception may come out, within a time and memory bound per input.
/// <c>SERSSL_FUZZ_ITERATIONS</c> sets the iterations per test (longer runs; SharpFuzz suits open-ended ones).
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    /// <summary>Wall time one input may take: generous, for a loaded CI machine; a hang or a quadratic blow-up is far beyond it.</summary>
    private static readonly TimeSpan s_perInput = TimeSpan.FromSeconds(2);

    /// <summary>Bytes one input may allocate: the inputs are at most a few KB, so a reader that trusts a size field shows up here.</summary>
    private const long MaxAllocatedBytes = 64L << 20;

    private readonly string _dir = RepoPaths.NewTempDirectory("fuzz");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static IReadOnlyList<byte[]> Seeds(params string[] extensions) =>
    [
        .. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus"))
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes),
    ];

    [Fact]
    public void AudioReader_MutatedWavAndOggOpus_OnlyWavFormatException()
    {
        var seeds = Seeds(".wav", ".opus");
        Assert.True(seeds.Count >= 8, "the seed corpus is missing");
        var buffer = new float[4096];

        var outcomes = Run(seeds, InputMutator.Iterations(3000), seed: 1, (input, _) =>
        {
            using var reader = AudioReader.Open(new MemoryStream(input, writable: false));
            while (reader.Read(buffer) > 0)
            {
            }
        }, typeof(WavFormatException));

        TestContext.Current.SendDiagnosticMessage($"audio reader: {outcomes}");
        Assert.True(outcomes.Parsed > 0 && outcomes.Refused > 0, outcomes.ToString());
    }

    [Fact]
    public void OpusPacketDecoder_MutatedPackets_OnlyOpusPacketException()
    {
        // Raw packets as a gRPC client sends them: the corpus file's packets, each mutated one decoded after a good one.
        var file = OggOpusPackets.Read(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", "mono-16k.opus"));
        var seeds = file.Packets.Take(16).ToList();
        var frameUs = (int)(Concentus.Structs.OpusPacketInfo.GetNumSamples(seeds[0], OpusPacketDecoder.DecodeRate) * 1_000_000L / OpusPacketDecoder.DecodeRate);
        var buffer = new float[OpusPacketDecoder.DecodeRate / 1000 * 120];

        var outcomes = Run(seeds, InputMutator.Iterations(3000), seed: 11, (input, _) =>
        {
            var decoder = new OpusPacketDecoder(file.Channels, frameUs, file.PreSkip);
            decoder.Decode(seeds[0], buffer);
            decoder.Decode(input, buffer);
        }, typeof(OpusPacketException));

        TestContext.Current.SendDiagnosticMessage($"Opus packets: {outcomes}");
        Assert.True(outcomes.Parsed > 0 && outcomes.Refused > 0, outcomes.ToString());
    }

    [Fact]
    public void AudioInspector_MutatedFiles_OnlyAudioSourceException()
    {
        var seeds = Seeds(".wav", ".opus");
        var path = Path.Combine(_dir, "input");
        var inspector = new AudioInspector();

        var outcomes = Run(seeds, InputMutator.Iterations(1000), seed: 2, (input, _) =>
        {
            File.WriteAllBytes(path, input);
            inspector.Inspect(path);
        }, typeof(AudioSourceException));

        TestContext.Current.SendDiagnosticMessage($"inspector: {outcomes}");
        Assert.True(outcomes.Parsed > 0 && outcomes.Refused > 0, outcomes.ToString());
    }

    [Fact]
    public void StreamAudioSource_MutatedWavOnStdin_OnlyAudioSourceException()
    {
        var seeds = Seeds(".wav");

        var outcomes = Run(seeds, InputMutator.Iterations(2000), seed: 3, (input, ct) => Drain(new StreamAudioSource(new MemoryStream(input, writable: false)), ct), typeof(AudioSourceException));

        TestContext.Current.SendDiagnosticMessage($"stdin wav: {outcomes}");
        Assert.True(outcomes.Parsed > 0 && outcomes.Refused > 0, outcomes.ToString());
    }

    [Theory]
    [InlineData(RawSampleEncoding.S16LE, 1)]
    [InlineData(RawSampleEncoding.F32LE, 2)]
    public void StreamAudioSource_MutatedRawPcm_OnlyAudioSourceException(RawSampleEncoding encoding, int channels)
    {
        // Raw framing has no header: the mutations that matter are lengths (truncations, insertions) and values (NaN, inf).
        var seeds = Seeds(".wav");
        var format = new AudioFormat(16_000, channels);

        var outcomes = Run(seeds, InputMutator.Iterations(2000), seed: 4 + channels, (input, ct) => Drain(new StreamAudioSource(new MemoryStream(input, writable: false), format, encoding), ct), typeof(AudioSourceException));

        TestContext.Current.SendDiagnosticMessage($"raw {encoding}x{channels}: {outcomes}");
        Assert.True(outcomes.Parsed > 0 && outcomes.Refused > 0, outcomes.ToString());
    }

    [Fact]
    public void ModelManifest_MutatedJson_OnlyModelBundleException()
    {
        var seeds = Seeds(".json");
        var path = Path.Combine(_dir, "manifest.json");

        var outcomes = Run(seeds, InputMutator.Iterations(2000), seed: 7, (input, _) =>
        {
            File.WriteAllBytes(path, input);
            ModelBundle.ValidateManifest(path, ModelBundle.ReadManifest(path));
        }, typeof(ModelBundleException));

        TestContext.Current.SendDiagnosticMessage($"manifest: {outcomes}");
        Assert.True(outcomes.Refused > 0, outcomes.ToString());
    }

    /// <summary>What a fuzz run saw: inputs accepted, inputs refused with the documented exception, and the slowest input.</summary>
    internal sealed record Outcomes(int Parsed, int Refused, TimeSpan Slowest);

    /// <summary>
    /// Runs <paramref name="parse"/> on <paramref name="iterations"/> mutated inputs and fails, naming the iteration and
    /// saving the input, on any exception but <paramref name="allowed"/>, on an input slower than the time bound, or
    /// one that allocates more than the memory bound.
    /// </summary>
    internal Outcomes Run(IReadOnlyList<byte[]> seeds, int iterations, int seed, Action<byte[], CancellationToken> parse, Type allowed)
    {
        var mutator = new InputMutator(seed);
        int parsed = 0, refused = 0;
        var slowest = TimeSpan.Zero;
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < iterations; i++)
        {
            var input = i < seeds.Count ? seeds[i] : mutator.Mutate(seeds[i % seeds.Count], seeds);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                parse(input, ct);
                parsed++;
            }
            catch (Exception ex) when (allowed.IsInstanceOfType(ex))
            {
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i} (seed {seed}): {ex.GetType().Name}: {ex.Message} (input saved as {Save(input, seed, i)})\n{ex}");
            }

            var elapsed = watch.Elapsed;
            slowest = elapsed > slowest ? elapsed : slowest;
            Assert.True(elapsed < s_perInput, $"iteration {i} (seed {seed}) took {elapsed}, over {s_perInput} (input saved as {Save(input, seed, i)})");
            var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(bytes < MaxAllocatedBytes, $"iteration {i} (seed {seed}) allocated {bytes} bytes (input saved as {Save(input, seed, i)})");
        }

        return new Outcomes(parsed, refused, slowest);
    }

    private static void Drain(IAudioSource source, CancellationToken ct)
    {
        try
        {
            source.OpenAsync(ct).AsTask().GetAwaiter().GetResult();
            var buffer = new float[4096];
            while (source.ReadAsync(buffer, ct).AsTask().GetAwaiter().GetResult() > 0)
            {
            }
        }
        finally
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private string Save(byte[] input, int seed, int iteration)
    {
        var path = Path.Combine(Path.GetTempPath(), $"serssl-fuzz-{seed}-{iteration}.bin");
        File.WriteAllBytes(path, input);
        return path;
    }
}
