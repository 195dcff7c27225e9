namespace SerSsl.Synthesis;

/// <summary>
/// The distribution of prosody parameters for one emotion: a mean and a spread for each of pitch level, pitch range,
/// speaking rate, loudness and spectral tilt, plus word gaps, pauses and tremolo. The single place these numbers live
/// is <see cref="ProsodyProfiles"/>; <c>docs/data-formats.md</c> ("Synthetic corpora") shows the same table.
/// </summary>
/// <param name="Emotion">The emotion this profile renders.</param>
/// <param name="PitchOffset">Mean offset added to the speaker's espeak-ng base pitch (<c>-p</c>, 0-99 scale).</param>
/// <param name="PitchOffsetSd">Standard deviation of <paramref name="PitchOffset"/>.</param>
/// <param name="RangePercent">Mean pitch range in percent of espeak-ng's default (SSML <c>prosody range</c>, 50-200).</param>
/// <param name="RangePercentSd">Standard deviation of <paramref name="RangePercent"/>.</param>
/// <param name="RateFactor">Mean factor on the speaker's rate in words per minute (<c>-s</c>).</param>
/// <param name="RateFactorSd">Standard deviation of <paramref name="RateFactor"/>.</param>
/// <param name="GainDb">Mean loudness change in dB applied after synthesis.</param>
/// <param name="GainDbSd">Standard deviation of <paramref name="GainDb"/>.</param>
/// <param name="WordGap">Mean extra gap between words (<c>-g</c>, units of 10 ms).</param>
/// <param name="WordGapSd">Standard deviation of <paramref name="WordGap"/>.</param>
/// <param name="PauseRate">Probability of a pause (SSML <c>break</c>) after each word but the last.</param>
/// <param name="PauseMs">Mean pause length in ms (each pause is 0.5-1.5 times this).</param>
/// <param name="TremoloDepth">Amplitude-modulation depth (0 = none), scaled by the clip's intensity.</param>
/// <param name="TremoloHz">Amplitude-modulation rate in Hz (each clip draws ±1 Hz around it).</param>
/// <param name="Tilt">Mean spectral tilt: above 0 brighter (pre-emphasis mix), below 0 darker (one-pole low-pass mix).</param>
/// <param name="TiltSd">Standard deviation of <paramref name="Tilt"/>.</param>
/// <param name="Arousal">Activation in [0, 1]; in the audiovisual corpus it also scales facial dynamics and blinks.</param>
internal sealed record ProsodyProfile(
    SynthEmotion Emotion,
    double PitchOffset,
    double PitchOffsetSd,
    double RangePercent,
    double RangePercentSd,
    double RateFactor,
    double RateFactorSd,
    double GainDb,
    double GainDbSd,
    double WordGap,
    double WordGapSd,
    double PauseRate,
    double PauseMs,
    double TremoloDepth,
    double TremoloHz,
    double Tilt,
    double TiltSd,
    double Arousal)
{
    /// <summary>
    /// Draws the concrete parameters of one clip. Means move from the neutral profile's towards this profile's by
    /// <paramref name="intensity"/> (1 = the table value; CREMA-D levels LO/MD/HI use 0.55/0.8/1.1); the spreads do
    /// not shrink, so neighbouring emotions overlap.
    /// </summary>
    /// <param name="speaker">The speaker, whose base pitch and rate the emotion modifies.</param>
    /// <param name="intensity">How far from neutral the means sit, usually 0.3-1.3.</param>
    /// <param name="random">The clip's random source.</param>
    public ProsodySample Sample(SpeakerProfile speaker, double intensity, SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(speaker);
        ArgumentNullException.ThrowIfNull(random);
        var n = ProsodyProfiles.Neutral;
        double Mean(double neutral, double own) => neutral + (intensity * (own - neutral));

        var pitch = random.ClampedNormal(speaker.BasePitch + Mean(n.PitchOffset, PitchOffset), PitchOffsetSd, 0, 99);
        var range = random.ClampedNormal(Mean(n.RangePercent, RangePercent), RangePercentSd, 50, 200);
        var rate = random.ClampedNormal(Mean(n.RateFactor, RateFactor), RateFactorSd, 0.6, 1.5) * speaker.RateWpm;
        var gain = random.Normal(Mean(n.GainDb, GainDb), GainDbSd);
        var gap = random.ClampedNormal(Mean(n.WordGap, WordGap), WordGapSd, 0, 10);
        var tilt = random.ClampedNormal(Mean(n.Tilt, Tilt), TiltSd, -0.8, 0.9);
        var tremoloHz = TremoloHz > 0 ? random.Uniform(TremoloHz - 1, TremoloHz + 1) : 0;
        var pauseRate = Math.Clamp(Mean(n.PauseRate, PauseRate), 0, 1);
        return new ProsodySample(
            Pitch: (int)Math.Round(pitch),
            RangePercent: (int)Math.Round(range),
            RateWpm: (int)Math.Round(Math.Clamp(rate, 80, 400)),
            WordGap: (int)Math.Round(gap),
            PauseRate: pauseRate,
            PauseMs: Math.Max(50, (int)Math.Round(Mean(n.PauseMs, PauseMs))),
            GainDb: gain,
            Tilt: tilt,
            TremoloDepth: Math.Clamp(TremoloDepth * intensity, 0, 0.5),
            TremoloHz: tremoloHz);
    }
}

/// <summary>The concrete prosody of one clip, drawn from a <see cref="ProsodyProfile"/>.</summary>
/// <param name="Pitch">espeak-ng base pitch <c>-p</c>, 0-99.</param>
/// <param name="RangePercent">SSML pitch range in percent of the default, 50-200.</param>
/// <param name="RateWpm">espeak-ng rate <c>-s</c> in words per minute.</param>
/// <param name="WordGap">espeak-ng word gap <c>-g</c> in units of 10 ms.</param>
/// <param name="PauseRate">Probability of a pause after each word but the last.</param>
/// <param name="PauseMs">Mean pause length in ms.</param>
/// <param name="GainDb">Loudness change applied after synthesis, in dB.</param>
/// <param name="Tilt">Spectral tilt (see <see cref="ProsodyProfile.Tilt"/>).</param>
/// <param name="TremoloDepth">Amplitude-modulation depth, 0 for none.</param>
/// <param name="TremoloHz">Amplitude-modulation rate in Hz.</param>
internal sealed record ProsodySample(
    int Pitch,
    int RangePercent,
    int RateWpm,
    int WordGap,
    double PauseRate,
    int PauseMs,
    double GainDb,
    double Tilt,
    double TremoloDepth,
    double TremoloHz);

/// <summary>
/// The prosody profile of each <see cref="SynthEmotion"/>: the one table the synthesizers use.
/// </summary>
/// <remarks>
/// Means ± standard deviations (a clip draws each parameter from a normal distribution, clamped to the valid range):
/// <code>
/// emotion    pitch  range%   rate x      gain dB  gap(10ms) pause p/ms  tremolo   tilt        arousal
/// neutral     0±4   100±15   1.00±0.06   0±2      1.0±1.0   0.05/150    -         0.00±0.15   0.20
/// happiness  +8±5   145±25   1.08±0.07  +3±2      0.5±0.8   0.05/120    -        +0.25±0.15   0.70
/// sadness    -7±4    65±15   0.82±0.07  -5±2      3.0±1.5   0.25/300    0.06@4.5 -0.35±0.15   0.20
/// surprise  +14±6   170±25   1.10±0.08  +3±2      0.5±0.8   0.10/150    -        +0.20±0.15   0.85
/// fear      +11±6   120±25   1.15±0.09   0±2.5    1.5±1.0   0.25/200    0.18@6   +0.10±0.15   0.85
/// anger      +4±6   135±25   1.10±0.08  +6±2      0.5±0.8   0.10/150    -        +0.50±0.20   0.90
/// disgust    -4±5    90±20   0.88±0.07  +1±2      2.0±1.0   0.20/250    -        -0.10±0.15   0.50
/// contempt   -5±4    80±20   0.90±0.06  -1±2      2.0±1.0   0.15/250    -        -0.15±0.15   0.30
/// </code>
/// Pitch is an offset on the speaker's base pitch (espeak-ng's 0-99 scale); rate multiplies the speaker's words per
/// minute. The spreads are wide on purpose: fear and surprise overlap in pitch, anger and happiness in range and
/// rate, sadness, contempt and disgust in rate and gaps, so an utterance's emotion is not readable from one parameter.
/// </remarks>
internal static class ProsodyProfiles
{
    /// <summary>The neutral profile, the origin that intensities scale from.</summary>
    public static ProsodyProfile Neutral { get; } =
        new(SynthEmotion.Neutral, 0, 4, 100, 15, 1.00, 0.06, 0, 2, 1.0, 1.0, 0.05, 150, 0, 0, 0.00, 0.15, 0.20);

    private static readonly ProsodyProfile[] s_profiles =
    [
        Neutral,
        new(SynthEmotion.Happiness, 8, 5, 145, 25, 1.08, 0.07, 3, 2, 0.5, 0.8, 0.05, 120, 0, 0, 0.25, 0.15, 0.70),
        new(SynthEmotion.Sadness, -7, 4, 65, 15, 0.82, 0.07, -5, 2, 3.0, 1.5, 0.25, 300, 0.06, 4.5, -0.35, 0.15, 0.20),
        new(SynthEmotion.Surprise, 14, 6, 170, 25, 1.10, 0.08, 3, 2, 0.5, 0.8, 0.10, 150, 0, 0, 0.20, 0.15, 0.85),
        new(SynthEmotion.Fear, 11, 6, 120, 25, 1.15, 0.09, 0, 2.5, 1.5, 1.0, 0.25, 200, 0.18, 6, 0.10, 0.15, 0.85),
        new(SynthEmotion.Anger, 4, 6, 135, 25, 1.10, 0.08, 6, 2, 0.5, 0.8, 0.10, 150, 0, 0, 0.50, 0.20, 0.90),
        new(SynthEmotion.Disgust, -4, 5, 90, 20, 0.88, 0.07, 1, 2, 2.0, 1.0, 0.20, 250, 0, 0, -0.10, 0.15, 0.50),
        new(SynthEmotion.Contempt, -5, 4, 80, 20, 0.90, 0.06, -1, 2, 2.0, 1.0, 0.15, 250, 0, 0, -0.15, 0.15, 0.30),
    ];

    /// <summary>The profile of <paramref name="emotion"/>.</summary>
    public static ProsodyProfile For(SynthEmotion emotion) => s_profiles[(int)emotion];
}
