using System.Globalization;
using SerSsl.Core.Audio;
using SerSsl.Core.Faces;
using SerSsl.Core.Tables;
using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Data.Unlabeled;

/// <summary>
/// An unlabeled audiovisual corpus: the clips of a <c>manifest.csv</c> (docs/data-formats.md) whose WAV and OpenFace
/// files exist, parse, and agree in duration, plus a summary of the entries skipped and why.
/// </summary>
internal sealed class UnlabeledCorpus
{
    /// <summary>The manifest's file name when a folder is given.</summary>
    public const string ManifestFileName = "manifest.csv";

    private UnlabeledCorpus(string manifestPath, IReadOnlyList<UnlabeledClip> clips, UnlabeledLoadSummary summary)
    {
        ManifestPath = manifestPath;
        Clips = clips;
        Summary = summary;
    }

    /// <summary>The full path of the manifest.</summary>
    public string ManifestPath { get; }

    /// <summary>The loaded clips, in manifest order.</summary>
    public IReadOnlyList<UnlabeledClip> Clips { get; }

    /// <summary>Counts of loaded and skipped entries.</summary>
    public UnlabeledLoadSummary Summary { get; }

    /// <summary>
    /// Loads a corpus. Each entry is checked in order: both files exist (else <see cref="ClipSkipReason.MissingFiles"/>),
    /// the WAV header and the whole OpenFace CSV parse (else <see cref="ClipSkipReason.Unreadable"/>, with the reader's
    /// message), and the durations agree (else <see cref="ClipSkipReason.DurationMismatch"/>). Entries are read
    /// concurrently; the result keeps manifest order.
    /// </summary>
    /// <param name="manifestPath">The manifest CSV, or a folder holding <c>manifest.csv</c>.</param>
    /// <param name="options">Checks and memory use; <see cref="UnlabeledLoadOptions.Default"/> when null.</param>
    /// <param name="progress">Receives (entries done, entries listed) after each entry; may be null.</param>
    /// <param name="cancellationToken">Stops the load.</param>
    /// <returns>The corpus.</returns>
    /// <exception cref="FileNotFoundException">The manifest does not exist.</exception>
    /// <exception cref="InvalidDataException">The manifest lacks a required column (<c>id</c>, <c>wav</c>,
    /// <c>openface</c>), has an empty value, or repeats an id; the message names the line.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static UnlabeledCorpus Load(
        string manifestPath,
        UnlabeledLoadOptions? options = null,
        IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestPath);
        options ??= UnlabeledLoadOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options.MaxDegreeOfParallelism));
        if (!(options.MaxDurationMismatchSeconds >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxDurationMismatchSeconds, "MaxDurationMismatchSeconds must not be negative.");
        }

        var path = Path.GetFullPath(Directory.Exists(manifestPath) ? Path.Combine(manifestPath, ManifestFileName) : manifestPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Corpus manifest '{path}' does not exist.", path);
        }

        var entries = ReadManifest(path);
        var outcomes = new (UnlabeledClip? Clip, SkippedClip? Skip)[entries.Count];
        var done = 0;
        Parallel.For(
            0,
            entries.Count,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
            i =>
            {
                outcomes[i] = Check(entries[i], options);
                progress?.Report((Interlocked.Increment(ref done), entries.Count));
            });

        var clips = outcomes.Where(static o => o.Clip is not null).Select(static o => o.Clip!).ToList();
        var skipped = outcomes.Where(static o => o.Skip is not null).Select(static o => o.Skip!).ToList();
        var summary = new UnlabeledLoadSummary(entries.Count, clips.Count, clips.Sum(static c => c.AudioSeconds), skipped);
        return new UnlabeledCorpus(path, clips, summary);
    }

    private static List<ManifestEntry> ReadManifest(string path)
    {
        var table = MetadataCsv.Read(path);
        var id = table.Require("id");
        var wav = table.Require("wav");
        var openFace = table.Require("openface");
        var speaker = table.IndexOf("speaker");
        var folder = Path.GetDirectoryName(path)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<ManifestEntry>(table.Rows.Count);
        foreach (var row in table.Rows)
        {
            foreach (var column in (int[])[id, wav, openFace])
            {
                if (row[column].Length == 0)
                {
                    throw new InvalidDataException($"{path}: line {row.Line}: '{table.Header[column]}' is empty.");
                }
            }

            if (!seen.Add(row[id]))
            {
                throw new InvalidDataException($"{path}: line {row.Line}: id '{row[id]}' is used a second time.");
            }

            var speakerId = speaker >= 0 && row[speaker].Length > 0 ? row[speaker] : null;
            entries.Add(new ManifestEntry(
                row[id],
                Path.GetFullPath(Path.Combine(folder, row[wav])),
                Path.GetFullPath(Path.Combine(folder, row[openFace])),
                speakerId));
        }

        return entries;
    }

    private static (UnlabeledClip? Clip, SkippedClip? Skip) Check(ManifestEntry entry, UnlabeledLoadOptions options)
    {
        var missing = new[] { entry.WavPath, entry.OpenFacePath }.Where(static p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            return (null, new SkippedClip(entry.Id, ClipSkipReason.MissingFiles, $"not found: {string.Join(", ", missing)}"));
        }

        double audioSeconds;
        OpenFaceTrack track;
        try
        {
            audioSeconds = AudioSeconds(entry.WavPath);
            track = OpenFaceCsvReader.Read(entry.OpenFacePath);
        }
        catch (Exception e) when (e is WavFormatException or InvalidDataException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return (null, new SkippedClip(entry.Id, ClipSkipReason.Unreadable, e.Message));
        }

        var videoSeconds = track.DurationSeconds;
        var difference = Math.Abs(audioSeconds - videoSeconds);
        if (!(difference <= options.MaxDurationMismatchSeconds))
        {
            var detail = string.Create(CultureInfo.InvariantCulture, $"audio {audioSeconds:F3} s, video {videoSeconds:F3} s ({track.FrameCount} frames): they differ by {difference:F3} s, more than {options.MaxDurationMismatchSeconds} s");
            return (null, new SkippedClip(entry.Id, ClipSkipReason.DurationMismatch, detail));
        }

        var clip = new UnlabeledClip(
            entry.Id,
            entry.WavPath,
            entry.OpenFacePath,
            entry.Speaker,
            audioSeconds,
            videoSeconds,
            track.FrameCount,
            options.KeepTracks ? track : null);
        return (clip, null);
    }

    private static double AudioSeconds(string wavPath)
    {
        using var reader = AudioReader.Open(wavPath);
        var frames = reader.FrameCount;
        if (frames is null)
        {
            // A "length unknown" WAV header, or an Opus file whose last page is unreadable, gets here; count by reading.
            var buffer = new float[8192 * reader.Channels];
            long count = 0;
            int read;
            while ((read = reader.Read(buffer)) > 0)
            {
                count += read / reader.Channels;
            }

            frames = count;
        }

        return (double)frames.Value / reader.SampleRate;
    }

    private sealed record ManifestEntry(string Id, string WavPath, string OpenFacePath, string? Speaker);
}
