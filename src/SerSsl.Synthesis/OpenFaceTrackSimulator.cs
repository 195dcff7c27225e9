using SerSsl.Core.Faces;

namespace SerSsl.Synthesis;

/// <summary>
/// Simulates what OpenFace 2.x would report for a talking face: per-frame action units that follow a latent emotion
/// (EMFACS patterns with onsets, offsets, partial activations and noise), blinks, 68 landmarks whose brows, lids and
/// lip corners move with those AUs and whose mouth opens with the speech energy, head translation and scale jitter,
/// landmark noise, and short bursts of frames where tracking fails.
/// </summary>
/// <remarks>
/// <para>
/// AU intensities (0-5): every AU has a small baseline with slow noise. The AUs of the emotion's pattern
/// (<see cref="ActionUnitPatterns"/>; core AUs always, the others with probability 0.8) rise within the first 10% of
/// the clip over 0.15-0.5 s, hold (sometimes with a dip), and fall near the end; peaks scale with the clip's intensity
/// and fluctuate more for high-arousal emotions (±5% to ±50% of the peak). Neutral clips sometimes show one weak,
/// short, spurious AU. Speech-related brow movements (AU1+2 raises, or AU4 frowns in anger, disgust and contempt),
/// 0.3-0.7 s long, come 6-36 times a minute, more often and stronger with arousal, so that facial activation rises
/// with arousal. AU25 and AU26 also follow the mouth opening (speech); AU45 blinks 15-30 times a minute, more with
/// arousal. Presence (<c>AUxx_c</c>) is the intensity plus detector noise at or above 1; AU28 (no intensity) appears
/// in rare bursts.
/// </para>
/// <para>
/// Landmarks: <see cref="FaceTemplate"/> in face units, deformed by the AUs (AU1/2 raise inner/outer brows, AU4
/// lowers and draws them together, AU5 raises the upper lids, AU6/7 raise the lower lids, AU9 lifts the nose, AU10
/// the upper lip, AU12 pulls the lip corners out and up, AU14 dimples one side, AU15 pulls the corners down, AU17
/// raises the lower lip and chin, AU20 stretches the lips, AU23 tightens them, AU26 drops the jaw, AU45 closes the
/// lids) and by the mouth opening (lower lip and jaw drop up to 0.16 face units), then scaled to pixels (a face
/// 170-250 px wide near the centre of a 640x480 frame) with smooth head translation, ±1.5% scale jitter and 0.25 px
/// landmark noise. Failed frames (success 0, confidence below 0.25) come in bursts of 2-15 frames, about 0.6 bursts
/// per 5 s; like OpenFace they carry zero landmarks and zero AUs.
/// </para>
/// </remarks>
internal static class OpenFaceTrackSimulator
{
    /// <summary>Video frame rate of the simulated tracks.</summary>
    public const double FramesPerSecond = 30;

    private const double LandmarkNoisePixels = 0.25;
    private const double PresenceThreshold = 1.0;

    private static readonly int[] s_spuriousCandidates = [1, 2, 4, 6, 7, 10, 12, 14, 15, 17];

    /// <summary>Simulates the track of one clip.</summary>
    /// <param name="emotion">The clip's latent emotion.</param>
    /// <param name="intensity">How strongly it is expressed, about 0.4-1.3.</param>
    /// <param name="arousal">The emotion's arousal in [0, 1] (<see cref="ProsodyProfile.Arousal"/>).</param>
    /// <param name="face">The speaker's neutral face.</param>
    /// <param name="mouthOpening">Mouth opening per video frame from the speech energy, 0 (closed) to about 1.5.</param>
    /// <param name="random">The clip's random source for the face.</param>
    public static OpenFaceTrack Simulate(
        SynthEmotion emotion,
        double intensity,
        double arousal,
        FaceTemplate face,
        ReadOnlySpan<float> mouthOpening,
        SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(random);
        var n = mouthOpening.Length;
        var duration = n / FramesPerSecond;

        var intensities = SimulateActionUnits(emotion, intensity, arousal, duration, n, random);

        // Geometry uses the AUs before their speech share; the mouth opening carries speech itself.
        var speech25 = new float[n];
        var speech26 = new float[n];
        for (var f = 0; f < n; f++)
        {
            speech25[f] = 2.2f * mouthOpening[f];
            speech26[f] = 0.9f * mouthOpening[f];
        }

        var landmarksX = new float[n * OpenFaceTrack.LandmarkCount];
        var landmarksY = new float[n * OpenFaceTrack.LandmarkCount];
        RenderLandmarks(face, intensities, mouthOpening, arousal, landmarksX, landmarksY, random);

        foreach (var (au, speech) in new[] { (25, speech25), (26, speech26) })
        {
            var values = intensities[au];
            for (var f = 0; f < n; f++)
            {
                values[f] = Math.Min(5f, values[f] + speech[f]);
            }
        }

        var presence = DetectPresence(intensities, n, random);
        var (success, confidence) = SimulateTracking(n, random);
        for (var f = 0; f < n; f++)
        {
            if (success[f])
            {
                continue;
            }

            landmarksX.AsSpan(f * OpenFaceTrack.LandmarkCount, OpenFaceTrack.LandmarkCount).Clear();
            landmarksY.AsSpan(f * OpenFaceTrack.LandmarkCount, OpenFaceTrack.LandmarkCount).Clear();
            foreach (var values in intensities.Values)
            {
                values[f] = 0;
            }

            foreach (var values in presence.Values)
            {
                values[f] = 0;
            }
        }

        var timestamps = new double[n];
        for (var f = 0; f < n; f++)
        {
            timestamps[f] = f / FramesPerSecond;
        }

        return new OpenFaceTrack(timestamps, confidence, success, landmarksX, landmarksY, intensities, presence);
    }

    /// <summary>The mouth opening per video frame from clean speech: (frame RMS / reference)^0.7, at most 1.5.</summary>
    /// <param name="frameRms">Speech RMS per video frame.</param>
    public static float[] MouthOpening(ReadOnlySpan<float> frameRms)
    {
        // Reference: a loud frame of speech at the reference level (-24 dBFS active RMS, peaks about 5 dB above).
        var reference = Math.Pow(10, (SpeechPostProcessor.ReferenceLevelDb + 5) / 20);
        var opening = new float[frameRms.Length];
        for (var f = 0; f < frameRms.Length; f++)
        {
            opening[f] = (float)Math.Min(1.5, Math.Pow(frameRms[f] / reference, 0.7));
        }

        return opening;
    }

    private static Dictionary<int, float[]> SimulateActionUnits(SynthEmotion emotion, double intensity, double arousal, double duration, int n, SynthRandom random)
    {
        var result = new Dictionary<int, float[]>();
        foreach (var au in OpenFaceCsvWriter.IntensityActionUnits)
        {
            var baseline = random.Uniform(0, 0.25);
            var noise = Ar1(n, 0.9, 0.12, random);
            var values = new float[n];
            for (var f = 0; f < n; f++)
            {
                values[f] = (float)Math.Max(0, baseline + noise[f]);
            }

            result[au] = values;
        }

        // The emotion's pattern: one shared envelope (onset, hold with an optional dip, offset), per-AU delays.
        var core = ActionUnitPatterns.Core(emotion);
        var strength = Math.Clamp(intensity * random.Uniform(0.85, 1.15), 0.35, 1.4);
        var onset = random.Uniform(0, 0.1) * duration;
        var rise = random.Uniform(0.15, 0.5);
        var offset = random.Uniform(0.88, 1.15) * duration;
        var fall = random.Uniform(0.3, 0.8);
        var hasDip = random.Chance(0.3);
        var dipCentre = random.Uniform(0.35, 0.65) * duration;
        var dipWidth = random.Uniform(0.4, 1.0);
        var dipDepth = random.Uniform(0.3, 0.6);
        var fluctuation = 0.05 + (0.5 * arousal);
        foreach (var au in ActionUnitPatterns.Combination(emotion))
        {
            var isCore = core.Contains(au);
            if (!isCore && !random.Chance(ActionUnitPatterns.OptionalProbability))
            {
                continue;
            }

            var peak = isCore ? Math.Max(2.0, strength * random.Uniform(2.0, 3.8)) : strength * random.Uniform(1.5, 3.5);
            var delay = random.Uniform(-0.15, 0.15);
            var wobble = Ar1(n, 0.75, 1, random);
            var values = result[au];
            for (var f = 0; f < n; f++)
            {
                var t = (f / FramesPerSecond) - delay;
                var envelope = Envelope(t, onset, rise, offset, fall);
                if (hasDip)
                {
                    var z = (t - dipCentre) / dipWidth;
                    envelope *= 1 - (dipDepth * Math.Exp(-z * z));
                }

                values[f] += (float)Math.Max(0, peak * envelope * (1 + (fluctuation * wobble[f])));
            }
        }

        // Neutral faces are not still: sometimes one weak, short, spurious AU.
        if (emotion == SynthEmotion.Neutral && random.Chance(0.35))
        {
            var au = s_spuriousCandidates[random.NextInt(s_spuriousCandidates.Length)];
            var peak = random.Uniform(0.6, 1.6);
            var start = random.Uniform(0, Math.Max(0.1, duration - 1));
            var length = random.Uniform(0.5, 1.5);
            var values = result[au];
            for (var f = 0; f < n; f++)
            {
                values[f] += (float)(peak * Envelope(f / FramesPerSecond, start, 0.2, start + length, 0.3));
            }
        }

        // Brow movements that accompany speech, more often with arousal: raises (AU1+2), or frowns (AU4) in the
        // negative, approach-type emotions; 0.3-0.7 s each.
        int[] flashUnits = emotion is SynthEmotion.Anger or SynthEmotion.Disgust or SynthEmotion.Contempt ? [4] : [1, 2];
        var flashRate = 0.1 + (0.8 * arousal);
        for (var start = random.Uniform(0, 1 / flashRate); start < duration; start += random.Uniform(0.5, 1.5) / flashRate)
        {
            var length = random.Uniform(0.3, 0.7);
            var peak = random.Uniform(1.5, 3.0) * (0.4 + arousal);
            foreach (var unit in flashUnits)
            {
                var values = result[unit];
                var first = Math.Max(0, (int)(start * FramesPerSecond));
                var last = Math.Min(n, (int)((start + length) * FramesPerSecond) + 1);
                for (var f = first; f < last; f++)
                {
                    var phase = ((f / FramesPerSecond) - start) / length;
                    // Scaled by the headroom left, so that a flash on an already active AU does not saturate at 5.
                    values[f] += (float)(peak * Math.Sin(Math.PI * Math.Clamp(phase, 0, 1)) * (1 - (values[f] / 5)));
                }
            }
        }

        // Blinks: 15-30 a minute, more with arousal; each 4-7 frames, triangular.
        var blinks = result[45];
        var rate = 0.25 + (0.25 * arousal);
        var time = random.Uniform(0, 2 / rate);
        while (time < duration)
        {
            var first = (int)(time * FramesPerSecond);
            var length = 4 + random.NextInt(4);
            var peak = random.Uniform(2.2, 3.8);
            for (var i = 0; i < length && first + i < n; i++)
            {
                var shape = 1 - (Math.Abs((2.0 * i / (length - 1)) - 1) * 0.8);
                blinks[first + i] += (float)(peak * shape);
            }

            time += 0.25 + (-Math.Log(1 - random.NextDouble()) / rate);
        }

        foreach (var values in result.Values)
        {
            for (var f = 0; f < n; f++)
            {
                values[f] = Math.Clamp(values[f], 0f, 5f);
            }
        }

        return result;
    }

    private static Dictionary<int, float[]> DetectPresence(Dictionary<int, float[]> intensities, int n, SynthRandom random)
    {
        var presence = new Dictionary<int, float[]>();
        foreach (var au in OpenFaceCsvWriter.PresenceActionUnits)
        {
            var values = new float[n];
            if (intensities.TryGetValue(au, out var r))
            {
                for (var f = 0; f < n; f++)
                {
                    values[f] = r[f] + random.Normal(0, 0.3) >= PresenceThreshold ? 1f : 0f;
                }
            }
            else if (random.Chance(0.1))
            {
                // AU28 (lip suck) has no intensity in OpenFace: a rare burst.
                var start = random.NextInt(Math.Max(1, n));
                var length = 5 + random.NextInt(16);
                for (var f = start; f < Math.Min(n, start + length); f++)
                {
                    values[f] = 1f;
                }
            }

            presence[au] = values;
        }

        return presence;
    }

    private static (bool[] Success, float[] Confidence) SimulateTracking(int n, SynthRandom random)
    {
        var success = new bool[n];
        Array.Fill(success, true);
        var bursts = 0;
        var expected = 0.6 * n / (5 * FramesPerSecond);
        while (random.NextDouble() < expected / (bursts + 1 + expected))
        {
            bursts++;
        }

        for (var b = 0; b < bursts && n > 0; b++)
        {
            var length = 2 + random.NextInt(14);
            var start = random.NextInt(n);
            for (var f = start; f < Math.Min(n, start + length); f++)
            {
                success[f] = false;
            }
        }

        var level = Ar1(n, 0.9, 0.015, random);
        var confidence = new float[n];
        for (var f = 0; f < n; f++)
        {
            if (!success[f])
            {
                confidence[f] = (float)random.Uniform(0.0, 0.25);
                continue;
            }

            var c = Math.Clamp(0.94 + level[f], 0.8, 0.98);
            var nearFailure = (f > 0 && !success[f - 1]) || (f + 1 < n && !success[f + 1]) || (f > 1 && !success[f - 2]) || (f + 2 < n && !success[f + 2]);
            if (nearFailure)
            {
                c *= random.Uniform(0.7, 0.9);
            }

            confidence[f] = (float)c;
        }

        return (success, confidence);
    }

    private static void RenderLandmarks(
        FaceTemplate face,
        Dictionary<int, float[]> au,
        ReadOnlySpan<float> mouthOpening,
        double arousal,
        float[] landmarksX,
        float[] landmarksY,
        SynthRandom random)
    {
        var n = mouthOpening.Length;
        var centreX = random.Uniform(260, 380);
        var centreY = random.Uniform(200, 280);
        var scale = random.Uniform(85, 125);
        var moveSd = 2 + (4 * arousal);
        var headX = Ar1(n, 0.97, moveSd, random);
        var headY = Ar1(n, 0.97, moveSd * 0.7, random);
        var headScale = Ar1(n, 0.98, 0.015, random);
        var x = new double[FaceTemplate.Count];
        var y = new double[FaceTemplate.Count];
        for (var f = 0; f < n; f++)
        {
            face.X.CopyTo(x, 0);
            face.Y.CopyTo(y, 0);
            Deform(x, y, f, au, mouthOpening[f]);
            var s = scale * (1 + headScale[f]);
            var row = f * OpenFaceTrack.LandmarkCount;
            for (var i = 0; i < FaceTemplate.Count; i++)
            {
                landmarksX[row + i] = (float)(centreX + headX[f] + (s * x[i]) + random.Normal(0, LandmarkNoisePixels));
                landmarksY[row + i] = (float)(centreY + headY[f] + (s * y[i]) + random.Normal(0, LandmarkNoisePixels));
            }
        }
    }

    private static void Deform(double[] x, double[] y, int f, Dictionary<int, float[]> au, float opening)
    {
        double K(int unit) => au[unit][f] / 5.0;

        // Brows: AU1 inner raiser, AU2 outer raiser, AU4 lowerer (down and together).
        var k1 = K(1);
        var k2 = K(2);
        var k4 = K(4);
        double[] innerWeight = [0.0, 0.2, 0.4, 0.7, 1.0];
        double[] outerWeight = [1.0, 0.9, 0.6, 0.3, 0.0];
        double[] lowerWeight = [0.3, 0.4, 0.6, 0.85, 1.0];
        for (var i = 0; i < 5; i++)
        {
            var dy = (-0.10 * k1 * innerWeight[i]) + (-0.10 * k2 * outerWeight[i]) + (0.09 * k4 * lowerWeight[i]);
            var dx = 0.05 * k4 * innerWeight[i];
            y[17 + i] += dy;
            y[26 - i] += dy;
            x[17 + i] += dx;
            x[26 - i] -= dx;
        }

        // AU9 nose wrinkler: nose and upper lip up, inner brows down a little.
        var k9 = K(9);
        for (var i = 31; i <= 35; i++)
        {
            y[i] -= 0.04 * k9;
        }

        y[30] -= 0.02 * k9;
        y[21] += 0.02 * k9;
        y[22] += 0.02 * k9;

        // Lids: AU5 raises the upper lids, AU6 and AU7 raise the lower lids, AU7 lowers the upper lids a little.
        var k5 = K(5);
        var k6 = K(6);
        var k7 = K(7);
        foreach (var i in (ReadOnlySpan<int>)[37, 38, 43, 44])
        {
            y[i] += (-0.035 * k5) + (0.015 * k7);
        }

        foreach (var i in (ReadOnlySpan<int>)[40, 41, 46, 47])
        {
            y[i] -= (0.025 * k6) + (0.03 * k7);
        }

        y[36] -= 0.01 * k6;
        y[45] -= 0.01 * k6;

        // AU45 blink: the upper lids close onto the lower lids.
        var closed = Math.Min(1, K(45) * 5 / 3.5);
        foreach (var (upper, lower) in (ReadOnlySpan<(int, int)>)[(37, 41), (38, 40), (43, 47), (44, 46)])
        {
            y[upper] += closed * 0.95 * (y[lower] - y[upper]);
        }

        // Mouth corners and lips.
        var k10 = K(10);
        var k12 = K(12);
        var k14 = K(14);
        var k15 = K(15);
        var k17 = K(17);
        var k20 = K(20);
        var k23 = K(23);
        var outward = (0.07 * k12) + (0.06 * k20) - (0.04 * k23);
        var up = (0.05 * k12) - (0.05 * k15) - (0.01 * k20);
        foreach (var (i, side, weight) in (ReadOnlySpan<(int, int, double)>)[(48, -1, 1.0), (60, -1, 0.8), (54, 1, 1.0), (64, 1, 0.8), (49, -1, 0.4), (59, -1, 0.4), (53, 1, 0.4), (55, 1, 0.4)])
        {
            x[i] += side * outward * weight;
            y[i] -= up * weight;
        }

        // AU14 dimpler, drawn on one side as in contempt.
        x[54] -= 0.03 * k14;
        x[64] -= 0.025 * k14;
        y[54] -= 0.015 * k14;

        // AU10 upper-lip raiser.
        foreach (var (i, weight) in (ReadOnlySpan<(int, double)>)[(49, 0.7), (50, 1.0), (51, 1.0), (52, 1.0), (53, 0.7), (61, 0.9), (62, 0.9), (63, 0.9)])
        {
            y[i] -= 0.04 * k10 * weight;
        }

        y[50] -= 0.02 * k9;
        y[51] -= 0.02 * k9;
        y[52] -= 0.02 * k9;

        // AU17 chin raiser: lower lip and chin up.
        foreach (var i in (ReadOnlySpan<int>)[55, 56, 57, 58, 59, 65, 66, 67, 7, 8, 9])
        {
            y[i] -= 0.03 * k17;
        }

        // Opening: speech plus the emotional part of AU25/AU26, reduced by AU23 (lip tightener).
        var open = (opening + (0.06 * au[26][f]) + (0.03 * au[25][f])) * (1 - (0.3 * k23));
        foreach (var (i, weight) in (ReadOnlySpan<(int, double)>)[(57, 1.0), (56, 0.9), (58, 0.9), (55, 0.6), (59, 0.6), (66, 0.95), (65, 0.85), (67, 0.85)])
        {
            y[i] += 0.15 * open * weight;
        }

        foreach (var i in (ReadOnlySpan<int>)[61, 62, 63])
        {
            y[i] -= 0.02 * open;
        }

        foreach (var (i, weight) in (ReadOnlySpan<(int, double)>)[(8, 1.0), (7, 0.9), (9, 0.9), (6, 0.7), (10, 0.7), (5, 0.4), (11, 0.4)])
        {
            y[i] += 0.10 * open * weight;
        }

        x[48] += 0.02 * open;
        x[60] += 0.02 * open;
        x[54] -= 0.02 * open;
        x[64] -= 0.02 * open;
    }

    private static double Envelope(double t, double onset, double rise, double offset, double fall)
    {
        if (t <= onset || t >= offset + fall)
        {
            return 0;
        }

        var up = Math.Min(1, (t - onset) / rise);
        var down = t <= offset ? 1 : 1 - ((t - offset) / fall);
        var value = Math.Min(up, down);
        return value * value * (3 - (2 * value));
    }

    private static double[] Ar1(int n, double rho, double sd, SynthRandom random)
    {
        var values = new double[n];
        if (n == 0)
        {
            return values;
        }

        var innovation = sd * Math.Sqrt(1 - (rho * rho));
        values[0] = random.Normal(0, sd);
        for (var i = 1; i < n; i++)
        {
            values[i] = (rho * values[i - 1]) + random.Normal(0, innovation);
        }

        return values;
    }
}
