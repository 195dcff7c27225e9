using SerSsl.Core.Audio;

namespace SerSsl.Synthesis;

/// <summary>
/// The signal processing after espeak-ng: resampling to 16 kHz, level normalisation, the emotion's spectral tilt,
/// tremolo and loudness, a soft limiter, silence around the utterance and background noise at a chosen SNR.
/// </summary>
internal static class SpeechPostProcessor
{
    /// <summary>The output rate of every synthetic clip.</summary>
    public const int SampleRate = 16000;

    /// <summary>Active-speech RMS level, in dBFS, of a clip before its emotion's gain.</summary>
    public const double ReferenceLevelDb = -24;

    private const int PowerFrame = 320; // 20 ms at 16 kHz
    private const double ActiveRangeDb = 35;
    private const float LimiterKnee = 0.7f;

    /// <summary>Resamples espeak-ng's output to <see cref="SampleRate"/> with the shared streaming resampler.</summary>
    public static float[] Resample(MonoAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.SampleRate == SampleRate)
        {
            return (float[])audio.Samples.Clone();
        }

        var resampler = new Resampler(audio.SampleRate, SampleRate);
        var total = (int)resampler.GetTotalOutputLength(audio.Samples.Length);
        var output = new float[total + resampler.MaxFlushLength];
        var written = resampler.Process(audio.Samples, output);
        written += resampler.Flush(output.AsSpan(written));
        return output[..Math.Min(written, total)];
    }

    /// <summary>
    /// Applies the clip's prosody in place: spectral tilt, normalisation of the active-speech level to
    /// <see cref="ReferenceLevelDb"/>, tremolo, the emotion's gain and a soft limiter above 0.7.
    /// </summary>
    /// <param name="samples">16 kHz speech, changed in place.</param>
    /// <param name="prosody">The clip's prosody.</param>
    /// <param name="random">The clip's random source (tremolo phase).</param>
    public static void ApplyProsody(Span<float> samples, ProsodySample prosody, SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(prosody);
        ArgumentNullException.ThrowIfNull(random);
        ApplyTilt(samples, prosody.Tilt);

        var power = ActivePower(samples);
        var gain = power > 0
            ? Math.Pow(10, (ReferenceLevelDb + prosody.GainDb) / 20) / Math.Sqrt(power)
            : 1.0;

        var phase = random.Uniform(0, 2 * Math.PI);
        var step = 2 * Math.PI * prosody.TremoloHz / SampleRate;
        for (var i = 0; i < samples.Length; i++)
        {
            var g = gain;
            if (prosody.TremoloDepth > 0)
            {
                g *= 1 + (prosody.TremoloDepth * Math.Sin(phase + (step * i)));
            }

            samples[i] = SoftLimit((float)(samples[i] * g));
        }
    }

    /// <summary>Puts <paramref name="leadSeconds"/> and <paramref name="tailSeconds"/> of silence around the speech.</summary>
    public static float[] Pad(ReadOnlySpan<float> speech, double leadSeconds, double tailSeconds)
    {
        var lead = (int)Math.Round(leadSeconds * SampleRate);
        var tail = (int)Math.Round(tailSeconds * SampleRate);
        var result = new float[lead + speech.Length + tail];
        speech.CopyTo(result.AsSpan(lead));
        return result;
    }

    /// <summary>
    /// Fits speech to exactly <paramref name="targetSamples"/>: shorter speech is padded with silence; longer speech is
    /// cut at the quietest 10 ms within the last second before the target (a pause between words where there is one)
    /// with a 20 ms fade, then padded.
    /// </summary>
    public static float[] FitToLength(ReadOnlySpan<float> speech, int targetSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetSamples);
        var result = new float[targetSamples];
        if (speech.Length <= targetSamples)
        {
            speech.CopyTo(result);
            return result;
        }

        const int hop = SampleRate / 100;
        var searchStart = Math.Max(0, targetSamples - SampleRate);
        var cut = targetSamples;
        var quietest = double.MaxValue;
        for (var start = searchStart; start + hop <= targetSamples; start += hop)
        {
            var energy = 0.0;
            foreach (var s in speech.Slice(start, hop))
            {
                energy += s * s;
            }

            if (energy < quietest)
            {
                quietest = energy;
                cut = start + (hop / 2);
            }
        }

        speech[..cut].CopyTo(result);
        var fade = Math.Min(cut, SampleRate / 50);
        for (var i = 0; i < fade; i++)
        {
            result[cut - 1 - i] *= (float)i / fade;
        }

        return result;
    }

    /// <summary>
    /// Adds pink-ish background noise (half white, half Kellet-filtered pink) so that the active-speech power over the
    /// noise power is <paramref name="snrDb"/>.
    /// </summary>
    /// <param name="samples">The clip, changed in place.</param>
    /// <param name="snrDb">Signal-to-noise ratio in dB relative to the active speech.</param>
    /// <param name="random">The clip's random source.</param>
    public static void AddNoise(Span<float> samples, double snrDb, SynthRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var speechPower = ActivePower(samples);
        if (samples.IsEmpty || speechPower <= 0)
        {
            return;
        }

        var noise = new float[samples.Length];
        double b0 = 0, b1 = 0, b2 = 0, sum = 0;
        for (var i = 0; i < noise.Length; i++)
        {
            var w = random.Normal();
            b0 = (0.99765 * b0) + (w * 0.0990460);
            b1 = (0.96300 * b1) + (w * 0.2965164);
            b2 = (0.57000 * b2) + (w * 1.0526913);
            var pink = (b0 + b1 + b2 + (w * 0.1848)) * 0.25;
            var value = (0.5 * w) + pink;
            noise[i] = (float)value;
            sum += value * value;
        }

        var scale = Math.Sqrt(speechPower / Math.Pow(10, snrDb / 10) / (sum / noise.Length));
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = Math.Clamp(samples[i] + (float)(noise[i] * scale), -1f, 1f);
        }
    }

    /// <summary>
    /// Mean power of the active part of a signal: the 20 ms frames within 35 dB of the loudest frame. 0 for silence.
    /// </summary>
    public static double ActivePower(ReadOnlySpan<float> samples)
    {
        var frames = samples.Length / PowerFrame;
        if (frames == 0)
        {
            return MeanSquare(samples);
        }

        var powers = new double[frames];
        var max = 0.0;
        for (var f = 0; f < frames; f++)
        {
            powers[f] = MeanSquare(samples.Slice(f * PowerFrame, PowerFrame));
            max = Math.Max(max, powers[f]);
        }

        if (max <= 0)
        {
            return 0;
        }

        var threshold = max * Math.Pow(10, -ActiveRangeDb / 10);
        double sum = 0;
        var count = 0;
        foreach (var p in powers)
        {
            if (p >= threshold)
            {
                sum += p;
                count++;
            }
        }

        return sum / count;
    }

    /// <summary>Root-mean-square per video frame: frame k covers the audio within half a frame of <c>k / fps</c>.</summary>
    /// <param name="samples">16 kHz audio.</param>
    /// <param name="frameCount">Number of video frames.</param>
    /// <param name="framesPerSecond">Video frame rate.</param>
    public static float[] FrameRms(ReadOnlySpan<float> samples, int frameCount, double framesPerSecond)
    {
        var rms = new float[frameCount];
        for (var k = 0; k < frameCount; k++)
        {
            var start = (int)Math.Clamp(Math.Round((k - 0.5) * SampleRate / framesPerSecond), 0, samples.Length);
            var end = (int)Math.Clamp(Math.Round((k + 0.5) * SampleRate / framesPerSecond), start, samples.Length);
            rms[k] = end > start ? (float)Math.Sqrt(MeanSquare(samples[start..end])) : 0f;
        }

        return rms;
    }

    private static void ApplyTilt(Span<float> samples, double tilt)
    {
        if (tilt > 0)
        {
            // Mix in a first difference (a +6 dB/octave pre-emphasis): brighter, "tenser" voice.
            var previous = 0f;
            for (var i = 0; i < samples.Length; i++)
            {
                var x = samples[i];
                samples[i] = x + (float)(tilt * 1.5 * (x - previous));
                previous = x;
            }
        }
        else if (tilt < 0)
        {
            // Mix in a one-pole low-pass (about 1 kHz): darker, "lax" voice.
            var amount = (float)Math.Min(1, -tilt);
            var state = 0f;
            for (var i = 0; i < samples.Length; i++)
            {
                var x = samples[i];
                state += 0.33f * (x - state);
                samples[i] = ((1 - amount) * x) + (amount * state);
            }
        }
    }

    private static float SoftLimit(float x)
    {
        var magnitude = Math.Abs(x);
        if (magnitude <= LimiterKnee)
        {
            return x;
        }

        var headroom = 1 - LimiterKnee;
        var limited = LimiterKnee + (headroom * MathF.Tanh((magnitude - LimiterKnee) / headroom));
        return MathF.CopySign(limited, x);
    }

    private static double MeanSquare(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * s;
        }

        return sum / samples.Length;
    }
}
