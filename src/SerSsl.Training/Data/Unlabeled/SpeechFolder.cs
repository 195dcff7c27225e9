using SerSsl.Training.Data.CremaD;

namespace SerSsl.Training.Data.Unlabeled;

/// <summary>One recording of an unlabeled speech folder.</summary>
/// <param name="Id">Its path relative to the folder, with '/' separators and its extension (unique in the folder).</param>
/// <param name="Path">Its full path.</param>
/// <param name="CremaDActor">The actor id when the file is named like a CREMA-D clip (<c>1001_IEO_HAP_HI.wav</c>), else null.</param>
internal sealed record SpeechRecording(string Id, string Path, int? CremaDActor);

/// <summary>
/// Unlabeled speech without video, for the audio-only pretext task (energy variation): the audio files of a folder,
/// searched recursively, in ordinal order of their relative paths. Files are taken by extension (<c>.wav</c>,
/// <c>.opus</c>, <c>.ogg</c>, any case); their content is checked when they are decoded. A CREMA-D copy can be given
/// as its own folder: its <c>AudioWAV/</c> is used when present, else its <c>AudioOpus/</c> (as the CREMA-D loader
/// chooses), so a copy holding both is not read twice.
/// </summary>
internal sealed class SpeechFolder
{
    /// <summary>The file extensions taken as audio.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".wav", ".opus", ".ogg"];

    private SpeechFolder(string directory, IReadOnlyList<SpeechRecording> recordings, string description)
    {
        Directory = directory;
        Recordings = recordings;
        Description = description;
    }

    /// <summary>The full path of the folder the recordings were read from.</summary>
    public string Directory { get; }

    /// <summary>The recordings, in ordinal order of their ids.</summary>
    public IReadOnlyList<SpeechRecording> Recordings { get; }

    /// <summary>What the recordings are, for logs and provenance (e.g. "all 7442 recordings").</summary>
    public string Description { get; }

    /// <summary>Lists the audio files under <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder of recordings, or a CREMA-D copy.</param>
    /// <returns>The folder's recordings.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no audio file.</exception>
    public static SpeechFolder Scan(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = System.IO.Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"Speech folder '{directory}' does not exist; give a folder of WAV or Ogg Opus recordings (searched recursively), or a CREMA-D copy.");
        }

        foreach (var audio in (string[])[CremaDDataset.AudioFolderName, CremaDDataset.OpusFolderName])
        {
            if (System.IO.Directory.Exists(System.IO.Path.Combine(full, audio)))
            {
                full = System.IO.Path.Combine(full, audio);
                break;
            }
        }

        var recordings = System.IO.Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden })
            .Where(static f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => Recording(full, f))
            .OrderBy(static r => r.Id, StringComparer.Ordinal)
            .ToArray();
        if (recordings.Length == 0)
        {
            throw new InvalidDataException($"Speech folder '{full}' holds no audio file ({string.Join(", ", Extensions)}, searched recursively).");
        }

        return new SpeechFolder(full, recordings, $"all {recordings.Length} recordings");
    }

    /// <summary>
    /// Only the recordings of the training speakers of <paramref name="partition"/>, told apart by the actor id of
    /// their CREMA-D file names, so that its development and test speakers stay unheard.
    /// </summary>
    /// <param name="partition">The speaker split (a VAVL fold or a seeded partition).</param>
    /// <returns>The training speakers' recordings.</returns>
    /// <exception cref="InvalidDataException">A recording is not named like a CREMA-D clip (its speaker is unknown),
    /// or no recording belongs to a training speaker.</exception>
    public SpeechFolder TrainSpeakersOf(SpeakerPartition partition)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var unnamed = Recordings.Where(static r => r.CremaDActor is null).ToArray();
        if (unnamed.Length > 0)
        {
            throw new InvalidDataException($"Speech folder '{Directory}': {unnamed.Length} recording(s) are not named like CREMA-D clips (ActorID_Sentence_Emotion_Level), e.g. '{unnamed[0].Id}', so their speakers are unknown and cannot be kept apart from the development and test speakers. Use a CREMA-D copy, or pre-train on all recordings.");
        }

        var train = partition.TrainActors.ToHashSet();
        var kept = Recordings.Where(r => train.Contains(r.CremaDActor!.Value)).ToArray();
        if (kept.Length == 0)
        {
            throw new InvalidDataException($"Speech folder '{Directory}' holds no recording of the {partition.TrainActors.Count} training speakers of {partition.Name}.");
        }

        var speakers = kept.Select(static r => r.CremaDActor!.Value).Distinct().Count();
        return new SpeechFolder(Directory, kept, $"{kept.Length} recordings of {speakers} training speakers of {partition.Name} (development and test speakers left out)");
    }

    private static SpeechRecording Recording(string root, string file)
    {
        var id = System.IO.Path.GetRelativePath(root, file).Replace(System.IO.Path.DirectorySeparatorChar, '/');
        var stem = System.IO.Path.GetFileNameWithoutExtension(file);
        int? actor = CremaDClipName.TryParse(stem, out var name, out _) ? name.ActorId : null;
        return new SpeechRecording(id, file, actor);
    }
}
