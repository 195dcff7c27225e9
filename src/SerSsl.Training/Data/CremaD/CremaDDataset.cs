using System.Globalization;
using SerSsl.Core.Tables;
using SerSsl.Core.Labels;

namespace SerSsl.Training.Data.CremaD;

/// <summary>
/// A CREMA-D copy: its clips with labels and vote vectors, its actors, and a summary of what was left out.
/// Built by <see cref="Load"/> (audio and metadata) or <see cref="LoadMetadata"/> (metadata only).
/// </summary>
/// <remarks>
/// <para>
/// Layout (docs/data-formats.md): <c>AudioWAV/ActorID_Sentence_Emotion_Level.wav</c> and the metadata CSVs
/// <c>SentenceFilenames.csv</c>, <c>VideoDemographics.csv</c>, <c>tabulatedVotes.csv</c> at the top of the folder, in
/// <c>metadata/</c>, or (as in the published repository) <c>processedResults/</c>; each file is looked for in that order.
/// <c>SentenceFilenames.csv</c> is the clip list; <c>VideoDemographics.csv</c> gives each actor's sex (needed for
/// gender-balanced partitions); <c>tabulatedVotes.csv</c> is required for <see cref="LabelSource.VoteConsensus"/> and
/// otherwise read when present. <c>summaryTable.csv</c> is not used.
/// </para>
/// <para>
/// Consensus labels use the strict majority of <see cref="VoteConsensus"/> over the rows of
/// <see cref="CremaDLoadOptions.ConsensusModality"/>; clips without one are moved to <see cref="DroppedClips"/> and
/// counted by reason in <see cref="Summary"/>.
/// </para>
/// </remarks>
internal sealed class CremaDDataset
{
    /// <summary>The lossless audio folder's name (the published layout).</summary>
    public const string AudioFolderName = "AudioWAV";

    /// <summary>The Ogg Opus audio folder's name, used when there is no <see cref="AudioFolderName"/>.</summary>
    public const string OpusFolderName = "AudioOpus";

    /// <summary>The clip list's file name.</summary>
    public const string SentenceFileName = "SentenceFilenames.csv";

    /// <summary>The actor table's file name.</summary>
    public const string DemographicsFileName = "VideoDemographics.csv";

    /// <summary>The vote table's file name.</summary>
    public const string VotesFileName = "tabulatedVotes.csv";

    /// <summary>How many missing names an error lists before it stops.</summary>
    private const int MaxListed = 10;

    private static readonly string[] s_metadataSubfolders = [string.Empty, "metadata", "processedResults"];

    private readonly Dictionary<int, CremaDActor> _actorsById;

    private CremaDDataset(
        string? audioDirectory,
        CremaDLoadOptions options,
        List<CremaDClip> clips,
        List<CremaDDroppedClip> dropped,
        List<CremaDActor> actors,
        CremaDLoadSummary summary)
    {
        AudioDirectory = audioDirectory;
        Options = options;
        Clips = clips;
        DroppedClips = dropped;
        Actors = actors;
        Summary = summary;
        _actorsById = actors.ToDictionary(static a => a.Id);
    }

    /// <summary>The audio folder (<c>AudioWAV</c>, else <c>AudioOpus</c>), or null when only the metadata was loaded.</summary>
    public string? AudioDirectory { get; }

    /// <summary>Which copy of the audio was loaded: "lossless WAV" or "Ogg Opus"; null without audio.</summary>
    public string? AudioCopy => AudioDirectory is null ? null : Path.GetFileName(AudioDirectory) == OpusFolderName ? "Ogg Opus" : "lossless WAV";

    /// <summary>The options the dataset was loaded with.</summary>
    public CremaDLoadOptions Options { get; }

    /// <summary>The labelled clips, in <c>SentenceFilenames.csv</c> order.</summary>
    public IReadOnlyList<CremaDClip> Clips { get; }

    /// <summary>Listed clips without a vote consensus (consensus labelling only; empty otherwise), in list order.</summary>
    public IReadOnlyList<CremaDDroppedClip> DroppedClips { get; }

    /// <summary>The actors with at least one listed clip, by ascending id.</summary>
    public IReadOnlyList<CremaDActor> Actors { get; }

    /// <summary>Counts of what was loaded and left out.</summary>
    public CremaDLoadSummary Summary { get; }

    /// <summary>Loads a CREMA-D copy with its audio.</summary>
    /// <param name="directory">The dataset folder, holding <c>AudioWAV/</c> or <c>AudioOpus/</c> (WAV is preferred when
    /// both are there) and (unless
    /// <see cref="CremaDLoadOptions.MetadataDirectory"/> is set) the metadata CSVs.</param>
    /// <param name="options">Labelling options; <see cref="CremaDLoadOptions.Default"/> when null.</param>
    /// <returns>The dataset; every clip has a <see cref="CremaDClip.AudioPath"/>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder, or both its audio folders, do not exist.</exception>
    /// <exception cref="FileNotFoundException">Metadata files are missing (all are named), or listed clips have no audio
    /// file (the count and the first names are listed).</exception>
    /// <exception cref="FormatException">A clip name is malformed; the message names it and the line.</exception>
    /// <exception cref="InvalidDataException">A metadata table is malformed; the message names the file and line.</exception>
    public static CremaDDataset Load(string directory, CremaDLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"CREMA-D folder '{directory}' does not exist.");
        }

        options ??= CremaDLoadOptions.Default;
        var audio = Path.Combine(Path.GetFullPath(directory), AudioFolderName);
        if (!Directory.Exists(audio))
        {
            audio = Path.Combine(Path.GetFullPath(directory), OpusFolderName);
        }

        if (!Directory.Exists(audio))
        {
            throw new DirectoryNotFoundException($"CREMA-D folder '{directory}' has no {AudioFolderName}/ (or {OpusFolderName}/) folder; point the loader at the folder that holds the audio folder and the metadata CSVs.");
        }

        return LoadCore(options.MetadataDirectory ?? directory, audio, options);
    }

    /// <summary>Loads the metadata of CREMA-D without audio (clip list, actors, votes, labels).</summary>
    /// <param name="metadataDirectory">A folder with the metadata CSVs (at its top, in <c>metadata/</c> or
    /// <c>processedResults/</c>).</param>
    /// <param name="options">Labelling options; <see cref="CremaDLoadOptions.MetadataDirectory"/> is ignored.</param>
    /// <returns>The dataset; <see cref="CremaDClip.AudioPath"/> is null.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">Metadata files are missing (all are named).</exception>
    /// <exception cref="FormatException">A clip name is malformed.</exception>
    /// <exception cref="InvalidDataException">A metadata table is malformed.</exception>
    public static CremaDDataset LoadMetadata(string metadataDirectory, CremaDLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(metadataDirectory);
        return LoadCore(metadataDirectory, null, options ?? CremaDLoadOptions.Default);
    }

    /// <summary>The actor with id <paramref name="actorId"/>.</summary>
    /// <param name="actorId">A four-digit actor id.</param>
    /// <exception cref="KeyNotFoundException">No listed clip has that actor.</exception>
    public CremaDActor GetActor(int actorId) =>
        _actorsById.TryGetValue(actorId, out var actor) ? actor : throw new KeyNotFoundException($"Actor {actorId} has no clips in this dataset.");

    /// <summary>
    /// Speaker-independent, gender-balanced, seeded partitions of <see cref="Actors"/>; see <see cref="SpeakerPartitioner"/>.
    /// </summary>
    /// <param name="seed">The base seed; partition p uses seed + p.</param>
    /// <param name="options">Partition count and set sizes; <see cref="PartitionOptions.Default"/> when null.</param>
    /// <returns>The partitions, index 0 first.</returns>
    public IReadOnlyList<SpeakerPartition> CreatePartitions(int seed, PartitionOptions? options = null) =>
        SpeakerPartitioner.Create(Actors.Select(static a => (a.Id, a.Sex)).ToList(), seed, options);

    /// <summary>
    /// The dataset restricted to the clips of a VAVL fold and labelled by it: each clip's label is the fold's hard
    /// label and its <see cref="CremaDClip.Distribution"/> the fold's distribution.
    /// </summary>
    /// <param name="fold">The fold.</param>
    /// <returns>A new dataset with the fold's clips in list order.</returns>
    /// <exception cref="InvalidDataException">The fold names clips that are not in the clip list, or a fold speaker
    /// differs from the clip name's actor.</exception>
    public CremaDDataset WithFold(VavlFold fold)
    {
        ArgumentNullException.ThrowIfNull(fold);
        var all = Clips.Concat(DroppedClips.Select(static d => new CremaDClip(d.Name, d.Name.Emotion, d.AudioPath, d.Votes)))
            .ToList();
        var byId = all.ToDictionary(static c => c.Id, StringComparer.Ordinal);
        var missing = fold.Clips.Keys.Where(id => !byId.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{fold.Path}: {missing.Count} clip(s) are not in {SentenceFileName}: {ListFirst(missing, missing.Count)}.");
        }

        var clips = new List<CremaDClip>(fold.Clips.Count);
        foreach (var clip in all)
        {
            if (!fold.Clips.TryGetValue(clip.Id, out var labelled))
            {
                continue;
            }

            if (labelled.Speaker != clip.ActorId)
            {
                throw new InvalidDataException($"{fold.Path}: clip '{clip.Id}' has SpkrID {labelled.Speaker} but its name says actor {clip.ActorId}.");
            }

            clips.Add(clip with { Label = labelled.Label, Distribution = labelled.Distribution });
        }

        var actorIds = clips.Select(static c => c.ActorId).ToHashSet();
        var actors = Actors.Where(a => actorIds.Contains(a.Id)).ToList();
        var summary = Summary with
        {
            ClipsLoaded = clips.Count,
            ActorCount = actors.Count,
            DroppedTiedTop = 0,
            DroppedBelowMajority = 0,
            DroppedNoVotes = 0,
            ConsensusDiffersFromIntended = clips.Count(static c => c.Label != c.IntendedEmotion),
        };
        return new CremaDDataset(AudioDirectory, Options with { LabelSource = LabelSource.VavlConsensus }, clips, [], actors, summary);
    }

    /// <summary>The clips of one set of a partition, in list order.</summary>
    /// <param name="partition">A partition of this dataset's actors.</param>
    /// <param name="split">Which set.</param>
    public IEnumerable<CremaDClip> ClipsIn(SpeakerPartition partition, DataSplit split)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return Clips.Where(c => partition.SplitOf(c.ActorId) == split);
    }

    private static CremaDDataset LoadCore(string metadataRoot, string? audioDirectory, CremaDLoadOptions options)
    {
        if (!Directory.Exists(metadataRoot))
        {
            throw new DirectoryNotFoundException($"CREMA-D metadata folder '{metadataRoot}' does not exist.");
        }

        var needVotes = options.LabelSource == LabelSource.VoteConsensus;
        var sentencePath = FindMetadataFile(metadataRoot, SentenceFileName);
        var demographicsPath = FindMetadataFile(metadataRoot, DemographicsFileName);
        var votesPath = FindMetadataFile(metadataRoot, VotesFileName);
        var missing = new List<string>();
        if (sentencePath is null)
        {
            missing.Add(SentenceFileName);
        }

        if (demographicsPath is null)
        {
            missing.Add(DemographicsFileName);
        }

        if (votesPath is null && needVotes)
        {
            missing.Add($"{VotesFileName} (needed for vote-consensus labels)");
        }

        if (missing.Count > 0)
        {
            var places = string.Join(", ", s_metadataSubfolders.Select(s => Path.Combine(metadataRoot, s)));
            throw new FileNotFoundException($"CREMA-D metadata missing: {string.Join(", ", missing)} (looked in {places}).");
        }

        var names = ReadClipNames(sentencePath!);
        var actors = ReadActors(demographicsPath!, names);
        var (votes, unlistedVoteRows) = votesPath is null
            ? (new Dictionary<string, CremaDVotes>(), 0)
            : ReadVotes(votesPath, names);

        Dictionary<string, string>? wavs = null;
        var unlistedWavs = 0;
        if (audioDirectory is not null)
        {
            (wavs, unlistedWavs) = FindWavs(audioDirectory, names);
        }

        var clips = new List<CremaDClip>(names.Count);
        var dropped = new List<CremaDDroppedClip>();
        int tied = 0, below = 0, none = 0, differs = 0;
        foreach (var name in names)
        {
            var wav = wavs?[name.Name];
            votes.TryGetValue(name.Name, out var clipVotes);
            if (options.LabelSource == LabelSource.Intended)
            {
                clips.Add(new CremaDClip(name, name.Emotion, wav, clipVotes));
                continue;
            }

            var outcome = VoteConsensus.Decide(clipVotes?.Get(options.ConsensusModality), out var consensus);
            switch (outcome)
            {
                case ConsensusOutcome.Majority:
                    clips.Add(new CremaDClip(name, consensus, wav, clipVotes));
                    differs += consensus == name.Emotion ? 0 : 1;
                    continue;
                case ConsensusOutcome.TiedTop:
                    tied++;
                    break;
                case ConsensusOutcome.BelowMajority:
                    below++;
                    break;
                default:
                    none++;
                    break;
            }

            dropped.Add(new CremaDDroppedClip(name, wav, clipVotes, outcome));
        }

        var summary = new CremaDLoadSummary(names.Count, clips.Count, actors.Count, tied, below, none, differs, unlistedWavs, unlistedVoteRows);
        return new CremaDDataset(audioDirectory, options, clips, dropped, actors, summary);
    }

    private static string? FindMetadataFile(string root, string fileName) =>
        s_metadataSubfolders.Select(sub => Path.Combine(root, sub, fileName)).FirstOrDefault(File.Exists);

    private static List<CremaDClipName> ReadClipNames(string path)
    {
        var table = MetadataCsv.Read(path);
        var column = table.Require("Filename");
        var names = new List<CremaDClipName>(table.Rows.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var name = CremaDClipName.Parse(row[column], $"{path}, line {row.Line}");
            if (!seen.Add(name.Name))
            {
                throw new InvalidDataException($"{path}: line {row.Line} lists clip '{name.Name}' a second time.");
            }

            names.Add(name);
        }

        return names;
    }

    private static List<CremaDActor> ReadActors(string path, List<CremaDClipName> names)
    {
        var table = MetadataCsv.Read(path);
        var idColumn = table.Require("ActorID");
        var sexColumn = table.Require("Sex");
        var ageColumn = table.IndexOf("Age");
        var raceColumn = table.IndexOf("Race");
        var ethnicityColumn = table.IndexOf("Ethnicity");
        var all = new Dictionary<int, CremaDActor>();
        foreach (var row in table.Rows)
        {
            if (!int.TryParse(row[idColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new InvalidDataException($"{path}: line {row.Line}: ActorID '{row[idColumn]}' is not a number.");
            }

            var sex = row[sexColumn].ToUpperInvariant() switch
            {
                "MALE" or "M" => ActorSex.Male,
                "FEMALE" or "F" => ActorSex.Female,
                _ => throw new InvalidDataException($"{path}: line {row.Line}: Sex '{row[sexColumn]}' of actor {id} is not Male or Female."),
            };

            int? age = null;
            if (ageColumn >= 0 && row[ageColumn].Length > 0)
            {
                age = int.TryParse(row[ageColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                    ? a
                    : throw new InvalidDataException($"{path}: line {row.Line}: Age '{row[ageColumn]}' of actor {id} is not a whole number.");
            }

            var actor = new CremaDActor(
                id,
                sex,
                age,
                raceColumn >= 0 ? row[raceColumn] : string.Empty,
                ethnicityColumn >= 0 ? row[ethnicityColumn] : string.Empty);
            if (!all.TryAdd(id, actor))
            {
                throw new InvalidDataException($"{path}: line {row.Line} describes actor {id} a second time.");
            }
        }

        var used = names.Select(static n => n.ActorId).Distinct().Order().ToList();
        var unknown = used.Where(id => !all.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"{path}: {unknown.Count} actor(s) with clips are not described: {ListFirst(unknown.Select(static id => id.ToString(CultureInfo.InvariantCulture)), unknown.Count)}.");
        }

        return used.Select(id => all[id]).ToList();
    }

    private static (Dictionary<string, CremaDVotes> Votes, int UnlistedRows) ReadVotes(string path, List<CremaDClipName> names)
    {
        var table = MetadataCsv.Read(path);
        var idColumn = table.IndexOf(string.Empty) is var blank and >= 0 ? blank : 0;
        var letterColumns = CremaDEmotion.VoteLetters.Select(l => table.Require(l.ToString())).ToArray();
        var nameColumn = table.Require("fileName");
        var responsesColumn = table.IndexOf("numResponses");
        var listed = names.Select(static n => n.Name).ToHashSet(StringComparer.Ordinal);
        var perClip = new Dictionary<string, VoteCounts?[]>(StringComparer.Ordinal);
        var unlisted = 0;
        Span<int> counts = stackalloc int[CremaDEmotion.Count];
        foreach (var row in table.Rows)
        {
            var id = row[idColumn];
            var modality = id.Length > 0 ? id[0] - '0' : -1;
            if (modality is < 1 or > 3)
            {
                throw new InvalidDataException($"{path}: line {row.Line}: row id '{id}' does not start with a modality digit (1 voice, 2 face, 3 audiovisual).");
            }

            var clip = row[nameColumn];
            if (!listed.Contains(clip))
            {
                unlisted++;
                continue;
            }

            for (var i = 0; i < counts.Length; i++)
            {
                if (!int.TryParse(row[letterColumns[i]], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i]))
                {
                    throw new InvalidDataException($"{path}: line {row.Line}, column '{table.Header[letterColumns[i]]}': '{row[letterColumns[i]]}' is not a vote count.");
                }
            }

            var votes = new VoteCounts(counts);
            if (responsesColumn >= 0)
            {
                if (!int.TryParse(row[responsesColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var responses))
                {
                    throw new InvalidDataException($"{path}: line {row.Line}, column 'numResponses': '{row[responsesColumn]}' is not a count.");
                }

                if (responses != votes.Total)
                {
                    throw new InvalidDataException($"{path}: line {row.Line}: numResponses is {responses} but the votes ({votes}) sum to {votes.Total}.");
                }
            }

            if (!perClip.TryGetValue(clip, out var slots))
            {
                slots = new VoteCounts?[3];
                perClip.Add(clip, slots);
            }

            if (slots[modality - 1] is not null)
            {
                throw new InvalidDataException($"{path}: line {row.Line}: clip '{clip}' has a second {(VoteModality)modality} row.");
            }

            slots[modality - 1] = votes;
        }

        var result = perClip.ToDictionary(static p => p.Key, static p => new CremaDVotes(p.Value[0], p.Value[1], p.Value[2]), StringComparer.Ordinal);
        return (result, unlisted);
    }

    private static (Dictionary<string, string> Wavs, int Unlisted) FindWavs(string audioDirectory, List<CremaDClipName> names)
    {
        // The folder's name says which extensions to look for; the readers go by content, not by extension.
        var opus = Path.GetFileName(audioDirectory) == OpusFolderName;
        string[] extensions = opus ? [".opus", ".ogg"] : [".wav"];
        var present = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(audioDirectory))
        {
            if (extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
            {
                present.TryAdd(Path.GetFileNameWithoutExtension(file), file);
            }
        }

        var missing = names.Where(n => !present.ContainsKey(n.Name)).Select(n => n.Name + extensions[0]).ToList();
        if (missing.Count > 0)
        {
            throw new FileNotFoundException(
                $"{missing.Count} clip(s) in {SentenceFileName} have no {(opus ? "Opus" : "WAV")} file in {audioDirectory}{Path.DirectorySeparatorChar}: {ListFirst(missing, missing.Count)}.");
        }

        var result = names.ToDictionary(static n => n.Name, n => present[n.Name], StringComparer.Ordinal);
        return (result, present.Count - result.Count);
    }

    private static string ListFirst(IEnumerable<string> items, int count) =>
        string.Join(", ", items.Take(MaxListed)) + (count > MaxListed ? $", ... (first {MaxListed} of {count})" : string.Empty);
}
