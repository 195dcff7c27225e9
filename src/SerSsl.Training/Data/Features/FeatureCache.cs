using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SerSsl.Core.Audio;
using SerSsl.Core.Features;

namespace SerSsl.Training.Data.Features;

/// <summary>
/// Computes clip features once with SerSsl.Core (WAV decode and downmix, resampling to the feature rate, log-mel,
/// frame energy) and keeps them on disk, one binary file per clip.
/// </summary>
/// <remarks>
/// <para>
/// Layout: <c>&lt;directory&gt;/&lt;SettingsHash&gt;/&lt;clipId&gt;.bin</c>, plus a <c>settings.txt</c> there with the
/// text the hash was taken from. <see cref="SettingsHash"/> covers every <see cref="LogMelSettings"/> value, the
/// energy epsilon and <see cref="FormatVersion"/>, so changed settings use a fresh folder and never read old entries.
/// Each file's header records its source WAV's size and last-write time, so a changed source invalidates only its own
/// entry. Clip ids are escaped into file names (characters other than letters, digits, '.', '-', '_' become
/// <c>~XX</c> per UTF-8 byte).
/// </para>
/// <para>
/// File format (little-endian): magic <c>SSFC</c>; int32 format version; 16 bytes of the settings hash; int64
/// source size; int64 source last-write time (UTC ticks); int32 frame count T; int32 bin count B; 8 bytes of the
/// SHA-256 of the payload; payload T·B float32 log-mel values (row-major) then T float32 energies in dB. An entry
/// whose length, header or checksum does not match is recomputed and replaced, never trusted. Entries are written to a
/// temporary file and moved into place, so readers never see a partial file.
/// </para>
/// <para>
/// Bump <see cref="FormatVersion"/> whenever the layout or the feature code's output changes.
/// Thread-safe: clips may be requested concurrently (<see cref="GetOrComputeAll"/> does so).
/// </para>
/// </remarks>
internal sealed class FeatureCache
{
    /// <summary>The entry format and feature-code version; part of <see cref="SettingsHash"/>.</summary>
    public const int FormatVersion = 1;

    private const int HeaderBytes = 56;
    private const int HashBytes = 16;
    private const int ChecksumBytes = 8;
    private const int MaxFileNameLength = 180;
    private static readonly byte[] s_magic = "SSFC"u8.ToArray();

    private readonly byte[] _settingsHash;
    private int _computed;
    private int _hits;

    /// <summary>Opens (creating as needed) a cache for one feature configuration.</summary>
    /// <param name="directory">The cache root; entries go to a sub-folder named by <see cref="SettingsHash"/>.</param>
    /// <param name="settings">The log-mel settings; also the framing of the energies.</param>
    /// <param name="energyEpsilon">The epsilon of <see cref="FrameEnergy"/>; default 1e-10.</param>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty or the settings are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="energyEpsilon"/> is not positive and finite.</exception>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian.</exception>
    public FeatureCache(string directory, LogMelSettings settings, double energyEpsilon = FrameEnergy.DefaultEpsilon)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (!(energyEpsilon > 0) || double.IsInfinity(energyEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(energyEpsilon), energyEpsilon, "The energy epsilon must be positive and finite.");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The feature cache stores little-endian floats and needs a little-endian machine.");
        }

        Settings = settings;
        EnergyEpsilon = energyEpsilon;
        SettingsText = DescribeSettings(settings, energyEpsilon);
        _settingsHash = SHA256.HashData(Encoding.UTF8.GetBytes(SettingsText))[..HashBytes];
        SettingsHash = Convert.ToHexStringLower(_settingsHash, 0, 8);
        RootDirectory = Path.GetFullPath(directory);
        EntryDirectory = Path.Combine(RootDirectory, SettingsHash);
        Directory.CreateDirectory(EntryDirectory);
        var settingsFile = Path.Combine(EntryDirectory, "settings.txt");
        if (!File.Exists(settingsFile))
        {
            WriteAtomically(settingsFile, Encoding.UTF8.GetBytes(SettingsText + "\n"));
        }
    }

    /// <summary>The feature settings.</summary>
    public LogMelSettings Settings { get; }

    /// <summary>The energy epsilon.</summary>
    public double EnergyEpsilon { get; }

    /// <summary>The cache root given to the constructor, as a full path.</summary>
    public string RootDirectory { get; }

    /// <summary>The folder of this configuration's entries: <c>RootDirectory/SettingsHash</c>.</summary>
    public string EntryDirectory { get; }

    /// <summary>16 hex digits of the SHA-256 of <see cref="SettingsText"/>.</summary>
    public string SettingsHash { get; }

    /// <summary>The canonical description of the settings that <see cref="SettingsHash"/> is taken from.</summary>
    public string SettingsText { get; }

    /// <summary>How many clips this instance has computed (misses, invalid entries and changed sources).</summary>
    public int ComputedCount => Volatile.Read(ref _computed);

    /// <summary>How many clips this instance has served from valid entries.</summary>
    public int HitCount => Volatile.Read(ref _hits);

    /// <summary>The entry file of a clip id.</summary>
    /// <param name="clipId">A non-empty clip id.</param>
    public string EntryPath(string clipId) => Path.Combine(EntryDirectory, FileNameOf(clipId));

    /// <summary>The clip's features: from a valid entry when there is one, else computed and stored.</summary>
    /// <param name="wavPath">The clip's audio file: WAV (any rate from 8 to 192 kHz, any channel count) or Ogg Opus, by content.</param>
    /// <param name="clipId">A unique id of the clip within the cache folder.</param>
    /// <returns>The features.</returns>
    /// <exception cref="FileNotFoundException">The audio file does not exist.</exception>
    /// <exception cref="WavFormatException">The audio file is malformed or unsupported.</exception>
    /// <exception cref="NotSupportedException">The sample rate is outside what the resampler supports.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public ClipFeatures GetOrCompute(string wavPath, string clipId)
    {
        ArgumentException.ThrowIfNullOrEmpty(wavPath);
        ArgumentException.ThrowIfNullOrEmpty(clipId);
        var source = new FileInfo(wavPath);
        if (!source.Exists)
        {
            throw new FileNotFoundException($"Clip '{clipId}': audio file '{wavPath}' does not exist.", wavPath);
        }

        var sourceSize = source.Length;
        var sourceTicks = source.LastWriteTimeUtc.Ticks;
        var entry = EntryPath(clipId);
        if (TryRead(entry, clipId, sourceSize, sourceTicks) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        var features = Compute(wavPath, clipId, Settings, EnergyEpsilon);
        Interlocked.Increment(ref _computed);
        WriteAtomically(entry, Serialize(features, sourceSize, sourceTicks));
        return features;
    }

    /// <summary>
    /// <see cref="GetOrCompute"/> for many clips at once, on up to <paramref name="maxDegreeOfParallelism"/> threads.
    /// Every clip is attempted; failures are gathered and thrown together at the end.
    /// </summary>
    /// <param name="clips">The clips: WAV path and unique id.</param>
    /// <param name="progress">Receives (clips done, clips total) after each clip; may be null.</param>
    /// <param name="maxDegreeOfParallelism">The most clips computed at once; null for the processor count.</param>
    /// <param name="cancellationToken">Stops the work between clips.</param>
    /// <returns>The features in the order of <paramref name="clips"/>.</returns>
    /// <exception cref="AggregateException">Some clips failed; one inner exception per clip, the message lists the first ids.</exception>
    /// <exception cref="OperationCanceledException">The work was cancelled.</exception>
    public IReadOnlyList<ClipFeatures> GetOrComputeAll(
        IReadOnlyList<(string WavPath, string ClipId)> clips,
        IProgress<(int Done, int Total)>? progress = null,
        int? maxDegreeOfParallelism = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var degree = maxDegreeOfParallelism ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1, nameof(maxDegreeOfParallelism));
        var results = new ClipFeatures[clips.Count];
        var failures = new Exception?[clips.Count];
        var done = 0;
        Parallel.For(
            0,
            clips.Count,
            new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
            i =>
            {
                try
                {
                    results[i] = GetOrCompute(clips[i].WavPath, clips[i].ClipId);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures[i] = new InvalidDataException($"Clip '{clips[i].ClipId}' ({clips[i].WavPath}): {e.Message}", e);
                }

                progress?.Report((Interlocked.Increment(ref done), clips.Count));
            });

        var failed = failures.Where(static f => f is not null).Select(static f => f!).ToList();
        if (failed.Count > 0)
        {
            var ids = failures.Select((f, i) => f is null ? null : clips[i].ClipId).Where(static id => id is not null).Take(10);
            throw new AggregateException($"{failed.Count} of {clips.Count} clip(s) could not be featurised: {string.Join(", ", ids)}{(failed.Count > 10 ? ", ..." : string.Empty)}.", failed);
        }

        return results;
    }

    /// <summary>Computes a clip's features without the cache: decode, downmix, resample, log-mel, energy.</summary>
    /// <param name="wavPath">The WAV file.</param>
    /// <param name="clipId">The clip id to put in the result.</param>
    /// <param name="settings">Feature settings (validated by the extractor).</param>
    /// <param name="energyEpsilon">The energy epsilon.</param>
    /// <returns>The features.</returns>
    /// <exception cref="NotSupportedException">The sample rate is outside what the resampler supports.</exception>
    public static ClipFeatures Compute(string wavPath, string clipId, LogMelSettings settings, double energyEpsilon = FrameEnergy.DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var samples = ReadCanonical(wavPath, settings.SampleRate);
        var extractor = new LogMelExtractor(settings);
        var frames = extractor.FrameCount(samples.Length);
        var logMel = new float[(long)frames * extractor.BinCount];
        extractor.Extract(samples, logMel);
        var energy = FrameEnergy.Compute(samples, settings, energyEpsilon);
        return new ClipFeatures(clipId, logMel, frames, extractor.BinCount, energy);
    }

    /// <summary>Reads a WAV or Ogg Opus file as mono samples at <paramref name="sampleRate"/> (resampled with <see cref="Resampler"/> when needed).</summary>
    /// <param name="wavPath">The audio file.</param>
    /// <param name="sampleRate">The wanted rate.</param>
    /// <returns>The samples.</returns>
    /// <exception cref="NotSupportedException">A rate is outside what the resampler supports.</exception>
    public static float[] ReadCanonical(string wavPath, int sampleRate)
    {
        var audio = AudioReader.ReadMono(wavPath);
        if (audio.SampleRate == sampleRate)
        {
            return audio.Samples;
        }

        if (audio.SampleRate is < Resampler.MinSampleRate or > Resampler.MaxSampleRate || sampleRate is < Resampler.MinSampleRate or > Resampler.MaxSampleRate)
        {
            throw new NotSupportedException($"'{wavPath}' is sampled at {audio.SampleRate} Hz; resampling to {sampleRate} Hz supports {Resampler.MinSampleRate} to {Resampler.MaxSampleRate} Hz.");
        }

        var resampler = new Resampler(audio.SampleRate, sampleRate);
        var total = resampler.GetTotalOutputLength(audio.Samples.Length);
        var output = new float[total + resampler.MaxFlushLength];
        var written = resampler.Process(audio.Samples, output);
        written += resampler.Flush(output.AsSpan(written));
        return output.AsSpan(0, written).ToArray();
    }

    private ClipFeatures? TryRead(string entry, string clipId, long sourceSize, long sourceTicks)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(entry);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < HeaderBytes || !bytes.AsSpan(0, 4).SequenceEqual(s_magic))
        {
            return null;
        }

        var header = bytes.AsSpan(0, HeaderBytes);
        var frames = BinaryPrimitives.ReadInt32LittleEndian(header[40..]);
        var bins = BinaryPrimitives.ReadInt32LittleEndian(header[44..]);
        if (BinaryPrimitives.ReadInt32LittleEndian(header[4..]) != FormatVersion
            || !header.Slice(8, HashBytes).SequenceEqual(_settingsHash)
            || BinaryPrimitives.ReadInt64LittleEndian(header[24..]) != sourceSize
            || BinaryPrimitives.ReadInt64LittleEndian(header[32..]) != sourceTicks
            || frames < 0
            || bins != Settings.MelBinCount
            || bytes.LongLength != HeaderBytes + (4L * frames * (bins + 1)))
        {
            return null;
        }

        var payload = bytes.AsSpan(HeaderBytes);
        if (!header.Slice(48, ChecksumBytes).SequenceEqual(SHA256.HashData(payload).AsSpan(0, ChecksumBytes)))
        {
            return null;
        }

        var values = MemoryMarshal.Cast<byte, float>(payload);
        var logMel = values[..(frames * bins)].ToArray();
        var energy = values[(frames * bins)..].ToArray();
        return new ClipFeatures(clipId, logMel, frames, bins, energy);
    }

    private byte[] Serialize(ClipFeatures features, long sourceSize, long sourceTicks)
    {
        var payloadBytes = 4L * (features.LogMel.Length + features.EnergyDb.Length);
        var bytes = new byte[HeaderBytes + payloadBytes];
        var span = bytes.AsSpan();
        s_magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], FormatVersion);
        _settingsHash.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], sourceSize);
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], sourceTicks);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], features.FrameCount);
        BinaryPrimitives.WriteInt32LittleEndian(span[44..], features.BinCount);
        var payload = span[HeaderBytes..];
        MemoryMarshal.AsBytes(features.LogMel.AsSpan()).CopyTo(payload);
        MemoryMarshal.AsBytes(features.EnergyDb.AsSpan()).CopyTo(payload[(4 * features.LogMel.Length)..]);
        SHA256.HashData(payload).AsSpan(0, ChecksumBytes).CopyTo(span[48..]);
        return bytes;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static string DescribeSettings(LogMelSettings s, double epsilon) => string.Create(
        CultureInfo.InvariantCulture,
        $"serssl-features format={FormatVersion} sample_rate={s.SampleRate} window={s.WindowLength} hop={s.HopLength} fft={s.FftLength} mel_bins={s.MelBinCount} f_min={s.MinFrequency:R} f_max={s.MaxFrequency:R} log_floor={s.LogFloor:R} energy_epsilon={epsilon:R}");

    private static string FileNameOf(string clipId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clipId);
        var name = new StringBuilder(clipId.Length + 4);
        foreach (var b in Encoding.UTF8.GetBytes(clipId))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && name.Length > 0))
            {
                name.Append(c);
            }
            else
            {
                name.Append('~').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        if (name.Length > MaxFileNameLength)
        {
            var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clipId)), 0, 8);
            name.Length = MaxFileNameLength - digest.Length - 1;
            name.Append('~').Append(digest);
        }

        return name.Append(".bin").ToString();
    }
}
