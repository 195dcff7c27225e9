using System.Globalization;
using System.Text;

namespace SerSsl.Synthesis;

/// <summary>
/// Writes CREMA-D's four metadata files byte for byte in the published formats (quoting, R's number formatting,
/// header rows, line ends): <c>SentenceFilenames.csv</c>, <c>VideoDemographics.csv</c>, <c>tabulatedVotes.csv</c>
/// and <c>summaryTable.csv</c>.
/// </summary>
internal static class CremaDMetadataWriter
{
    /// <summary>The clip list's file name.</summary>
    public const string SentenceFilenamesFile = "SentenceFilenames.csv";

    /// <summary>The actor table's file name.</summary>
    public const string DemographicsFile = "VideoDemographics.csv";

    /// <summary>The per-modality vote table's file name.</summary>
    public const string TabulatedVotesFile = "tabulatedVotes.csv";

    /// <summary>The per-clip summary table's file name.</summary>
    public const string SummaryTableFile = "summaryTable.csv";

    /// <summary>The header row of <c>tabulatedVotes.csv</c>.</summary>
    public const string TabulatedVotesHeader =
        "\"\",\"A\",\"D\",\"F\",\"H\",\"N\",\"S\",\"fileName\",\"numResponses\",\"agreement\",\"emoVote\",\"meanEmoResp\"," +
        "\"meanAngerResp\",\"meanDisgustResp\",\"meanFearResp\",\"meanHappyResp\",\"meanNeutralResp\",\"meanSadResp\"," +
        "\"medianEmoResp\",\"meanEmoRespNorm\",\"meanAngerRespNorm\",\"meanDisgustRespNorm\",\"meanFearRespNorm\"," +
        "\"meanHappyRespNorm\",\"meanNeutralRespNorm\",\"meanSadRespNorm\",\"medianEmoRespNorm\"";

    /// <summary>The header row of <c>summaryTable.csv</c>.</summary>
    public const string SummaryTableHeader =
        "\"\",\"FileName\",\"VoiceVote\",\"VoiceLevel\",\"FaceVote\",\"FaceLevel\",\"MultiModalVote\",\"MultiModalLevel\"";

    /// <summary>The header row of <c>SentenceFilenames.csv</c>.</summary>
    public const string SentenceFilenamesHeader = "\"Stimulus_Number\",\"Filename\"";

    /// <summary>The header row of <c>VideoDemographics.csv</c>.</summary>
    public const string DemographicsHeader = "\"ActorID\",\"Age\",\"Sex\",\"Race\",\"Ethnicity\"";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <c>SentenceFilenames.csv</c> (like the original, without a line end after the last row).</summary>
    public static void WriteSentenceFilenames(string directory, IReadOnlyList<CremaDClip> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        var builder = new StringBuilder(SentenceFilenamesHeader);
        foreach (var clip in clips)
        {
            builder.Append('\n').Append(I(clip.StimulusNumber)).Append(",\"").Append(clip.Name).Append('"');
        }

        File.WriteAllText(Path.Combine(directory, SentenceFilenamesFile), builder.ToString(), s_utf8);
    }

    /// <summary>Writes <c>VideoDemographics.csv</c>.</summary>
    public static void WriteDemographics(string directory, IReadOnlyList<SpeakerProfile> actors)
    {
        ArgumentNullException.ThrowIfNull(actors);
        var builder = new StringBuilder(DemographicsHeader).Append('\n');
        foreach (var actor in actors)
        {
            builder.Append(actor.Id).Append(',').Append(I(actor.Age))
                .Append(",\"").Append(actor.Female ? "Female" : "Male")
                .Append("\",\"").Append(actor.Race)
                .Append("\",\"").Append(actor.Ethnicity).Append("\"\n");
        }

        File.WriteAllText(Path.Combine(directory, DemographicsFile), builder.ToString(), s_utf8);
    }

    /// <summary>
    /// Writes <c>tabulatedVotes.csv</c> (all voice rows, then face, then audiovisual; row id = modality digit and the
    /// five-digit stimulus number) and <c>summaryTable.csv</c> (per clip, each modality's winner(s) and level).
    /// </summary>
    /// <param name="directory">The corpus folder.</param>
    /// <param name="clips">The clips in stimulus order.</param>
    /// <param name="votes">Per clip (same order), the tallies of the voice, face and audiovisual modalities.</param>
    public static void WriteVoteTables(string directory, IReadOnlyList<CremaDClip> clips, IReadOnlyList<VoteTally[]> votes)
    {
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(votes);
        if (clips.Count != votes.Count)
        {
            throw new ArgumentException($"{clips.Count} clips but {votes.Count} vote sets.", nameof(votes));
        }

        var tabulated = new StringBuilder(TabulatedVotesHeader).Append('\n');
        foreach (var modality in (ReadOnlySpan<VoteModality>)[VoteModality.Voice, VoteModality.Face, VoteModality.AudioVisual])
        {
            for (var c = 0; c < clips.Count; c++)
            {
                AppendTabulatedRow(tabulated, modality, clips[c], votes[c][(int)modality - 1]);
            }
        }

        File.WriteAllText(Path.Combine(directory, TabulatedVotesFile), tabulated.ToString(), s_utf8);

        var summary = new StringBuilder(SummaryTableHeader).Append('\n');
        for (var c = 0; c < clips.Count; c++)
        {
            summary.Append('"').Append(I(clips[c].StimulusNumber)).Append("\",\"").Append(clips[c].Name).Append('"');
            foreach (var tally in votes[c])
            {
                summary.Append(",\"").Append(tally.EmoVote).Append("\",\"").Append(FormatLevel(tally)).Append('"');
            }

            summary.Append('\n');
        }

        File.WriteAllText(Path.Combine(directory, SummaryTableFile), summary.ToString(), s_utf8);
    }

    /// <summary>
    /// A summary level as CREMA-D writes it: the winners' mean raw ratings rounded to 2 decimals, joined by ':' and,
    /// like R's <c>format</c>, padded to a common number of decimals (<c>69.1</c>, <c>48.5:49.0</c>, <c>33:51</c>).
    /// </summary>
    internal static string FormatLevel(VoteTally tally)
    {
        var values = tally.Winners.Select(i => Math.Round(tally.MeanResponse[i], 2, MidpointRounding.ToEven)).ToArray();
        var decimals = values.Max(v => Math.Round(v * 100) % 100 == 0 ? 0 : Math.Round(v * 100) % 10 == 0 ? 1 : 2);
        return string.Join(':', values.Select(v => v.ToString("F" + I(decimals), CultureInfo.InvariantCulture)));
    }

    /// <summary>A number as R writes it in these tables: up to 15 significant digits, no trailing zeros.</summary>
    internal static string R(double value) => value.ToString("G15", CultureInfo.InvariantCulture);

    private static void AppendTabulatedRow(StringBuilder builder, VoteModality modality, CremaDClip clip, VoteTally tally)
    {
        builder.Append('"').Append(I((int)modality)).Append(clip.StimulusNumber.ToString("D5", CultureInfo.InvariantCulture)).Append('"');
        foreach (var count in tally.Counts)
        {
            builder.Append(',').Append(I(count));
        }

        builder.Append(",\"").Append(clip.Name).Append("\",").Append(I(tally.Responses))
            .Append(',').Append(R(tally.Agreement))
            .Append(",\"").Append(tally.EmoVote).Append("\",").Append(R(tally.MeanAll));
        foreach (var mean in tally.MeanResponse)
        {
            builder.Append(',').Append(R(mean));
        }

        builder.Append(',').Append(R(tally.MedianAll)).Append(',').Append(R(tally.MeanAllNorm));
        foreach (var mean in tally.MeanResponseNorm)
        {
            builder.Append(',').Append(R(mean));
        }

        builder.Append(',').Append(R(tally.MedianAllNorm)).Append('\n');
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
