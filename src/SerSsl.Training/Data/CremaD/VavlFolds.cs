using System.Globalization;
using SerSsl.Core.Labels;

namespace SerSsl.Training.Data.CremaD;

/// <summary>One clip of a VAVL fold: its set, speaker, consensus label distribution and hard label.</summary>
/// <param name="Name">The clip id (the WAV name without extension).</param>
/// <param name="Split">Its set in this fold.</param>
/// <param name="Speaker">The actor id.</param>
/// <param name="Distribution">The consensus label distribution in <see cref="CremaDEmotion"/> order (sums to 1).</param>
/// <param name="Label">The hard label: the distribution's top class (the first in <see cref="CremaDEmotion"/> order on a tie).</param>
internal sealed record VavlClip(string Name, DataSplit Split, int Speaker, float[] Distribution, int Label);

/// <summary>
/// One of the five speaker-disjoint folds of CREMA-D's six-class consensus labels published by the authors' group
/// (VAVL, MIT licence): <c>label_consensus_N.csv</c> with columns <c>FileName</c>, the distribution
/// <c>angry,sad,disgust,fear,neutral,happy</c>, <c>SpkrID</c>, <c>Gender</c> and <c>Split_Set</c>
/// (<c>Train</c>, <c>Development</c>, <c>Test</c>).
/// </summary>
/// <param name="Number">The fold's number, 1 to 5.</param>
/// <param name="Path">The CSV it was read from.</param>
/// <param name="Clips">The fold's clips by id, in file order.</param>
internal sealed record VavlFold(int Number, string Path, IReadOnlyDictionary<string, VavlClip> Clips)
{
    /// <summary>How many folds the group publishes.</summary>
    public const int Count = VavlFoldFile.FoldCount;

    /// <summary>The prefix of the <c>--folds</c> value that selects these folds.</summary>
    public const string Scheme = "vavl:";

    /// <summary>The fold as a speaker partition (index = fold number), for code that splits by actor.</summary>
    public SpeakerPartition Partition { get; } = MakePartition(Number, Clips.Values);

    /// <summary>The file name of fold <paramref name="number"/>.</summary>
    public static string FileName(int number) => VavlFoldFile.FileName(number);

    /// <summary>Reads the folds from a <c>--folds</c> value, <c>vavl:DIR</c>.</summary>
    /// <param name="value">The option's value.</param>
    /// <returns>The folder.</returns>
    /// <exception cref="ArgumentException">The value does not start with <c>vavl:</c>.</exception>
    public static string ParseOption(string value) =>
        value.StartsWith(Scheme, StringComparison.Ordinal) && value.Length > Scheme.Length
            ? value[Scheme.Length..]
            : throw new ArgumentException($"--folds '{value}': expected vavl:DIR, a folder with label_consensus_1.csv to label_consensus_{Count}.csv.");

    /// <summary>Reads fold <paramref name="number"/> from <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder with the fold files.</param>
    /// <param name="number">1 to 5.</param>
    /// <returns>The fold.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="number"/> is not 1 to 5.</exception>
    /// <exception cref="FileNotFoundException">The fold's file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (see <see cref="VavlFoldFile.Read"/>), or a speaker is in two sets.</exception>
    public static VavlFold Load(string directory, int number)
    {
        if (number is < 1 or > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"VAVL folds are numbered 1 to {Count}.");
        }

        var path = System.IO.Path.Combine(directory, FileName(number));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"VAVL fold {number}: '{path}' does not exist; --folds vavl:DIR needs a folder with label_consensus_1.csv to label_consensus_{Count}.csv.", path);
        }

        var clips = new Dictionary<string, VavlClip>(StringComparer.Ordinal);
        foreach (var clip in VavlFoldFile.Read(path))
        {
            var set = clip.Split switch
            {
                VavlSplit.Train => DataSplit.Train,
                VavlSplit.Development => DataSplit.Dev,
                _ => DataSplit.Test,
            };
            clips.Add(clip.Name, new VavlClip(clip.Name, set, clip.Speaker, clip.Distribution, clip.Label));
        }

        var fold = new VavlFold(number, path, clips);
        return fold;
    }

    /// <summary>Reads all five folds.</summary>
    /// <param name="directory">The folder with the fold files.</param>
    /// <returns>Folds 1 to 5 in order.</returns>
    public static IReadOnlyList<VavlFold> LoadAll(string directory) => [.. Enumerable.Range(1, Count).Select(n => Load(directory, n))];

    private static SpeakerPartition MakePartition(int number, IEnumerable<VavlClip> clips)
    {
        var sets = new Dictionary<int, DataSplit>();
        foreach (var clip in clips)
        {
            if (sets.TryGetValue(clip.Speaker, out var seen) && seen != clip.Split)
            {
                throw new InvalidDataException($"VAVL fold {number}: speaker {clip.Speaker} is in both the {seen} and {clip.Split} sets; the folds must be speaker-disjoint.");
            }

            sets[clip.Speaker] = clip.Split;
        }

        IReadOnlyList<int> Of(DataSplit split) => [.. sets.Where(p => p.Value == split).Select(static p => p.Key).Order()];
        return new SpeakerPartition(number, 0, Of(DataSplit.Train), Of(DataSplit.Dev), Of(DataSplit.Test), string.Create(CultureInfo.InvariantCulture, $"fold-{number}"));
    }
}
