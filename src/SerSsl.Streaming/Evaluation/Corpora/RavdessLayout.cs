namespace SerSsl.Streaming.Evaluation.Corpora;

/// <summary>
/// RAVDESS: <c>MM-VC-EE-II-SS-RR-AA</c> (e.g. <c>03-01-05-01-02-01-12.wav</c>), seven two-digit fields: modality
/// (01 audio-video, 02 video-only, 03 audio-only), vocal channel (01 speech, 02 song), emotion (01 neutral, 02 calm,
/// 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust, 08 surprised), intensity (01 normal, 02 strong), statement
/// (01, 02), repetition (01, 02) and actor (01 to 24; odd male, even female), usually under <c>Actor_NN/</c>.
/// </summary>
/// <remarks>
/// Only audio-only files are evaluated: a file of modality 01 or 02 is skipped as <see cref="SkipReason.NotAudioOnly"/>
/// (the audio of an audio-video file is the same performance as its audio-only file). Speech and song are both
/// evaluated; the song recordings have no disgust or surprised clips.
/// </remarks>
internal sealed class RavdessLayout : FileNameLayout
{
    private static readonly string[] s_emotions = ["neutral", "calm", "happiness", "sadness", "anger", "fear", "disgust", "surprise"];

    /// <inheritdoc />
    public override string Name => "ravdess";

    /// <inheritdoc />
    public override string Convention => "MM-VC-EE-II-SS-RR-AA, e.g. Actor_12/03-01-05-01-02-01-12.wav (modality 03 audio-only)";

    /// <inheritdoc />
    protected override ClipNameParse ParseName(string stem, string folder)
    {
        var parts = stem.Split('-');
        if (parts.Length != 7 || !parts.All(p => p.Length == 2 && p.All(char.IsAsciiDigit)))
        {
            return ClipNameParse.Fail($"'{stem}' is not seven two-digit fields separated by '-' (MM-VC-EE-II-SS-RR-AA, e.g. 03-01-05-01-02-01-12)");
        }

        var fields = parts.Select(p => (p[0] - '0') * 10 + (p[1] - '0')).ToArray();
        var (modality, channel, emotion, intensity, statement, repetition, actor) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
        if (modality is < 1 or > 3)
        {
            return ClipNameParse.Fail($"modality {parts[0]} is not 01, 02 or 03");
        }

        if (channel is < 1 or > 2)
        {
            return ClipNameParse.Fail($"vocal channel {parts[1]} is not 01 (speech) or 02 (song)");
        }

        if (emotion is < 1 or > 8)
        {
            return ClipNameParse.Fail($"emotion {parts[2]} is not 01 to 08");
        }

        if (intensity is < 1 or > 2 || statement is < 1 or > 2 || repetition is < 1 or > 2)
        {
            return ClipNameParse.Fail("intensity, statement and repetition must each be 01 or 02");
        }

        if (actor < 1)
        {
            return ClipNameParse.Fail("actor 00 is not an actor (01 to 24)");
        }

        if (modality != 3)
        {
            return ClipNameParse.Fail(
                $"modality {parts[0]} ({(modality == 1 ? "audio-video" : "video-only")}): only audio-only files (modality 03) are evaluated",
                SkipReason.NotAudioOnly);
        }

        return ClipNameParse.Ok(s_emotions[emotion - 1], $"Actor_{parts[6]}");
    }
}
