using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;
using SerSsl.Core.Audio;

namespace SerSsl.Synthesis;

/// <summary>
/// Runs the espeak-ng command-line synthesizer (Debian package <c>espeak-ng</c>) for one utterance at a time and
/// returns its audio (22050 Hz mono). Thread-safe: every call starts its own process.
/// </summary>
/// <remarks>
/// The utterance is passed as SSML (<c>-m</c>): a <c>prosody range</c> element sets the pitch range and
/// <c>break</c> elements insert pauses; base pitch, rate and word gap are the <c>-p</c>, <c>-s</c> and <c>-g</c>
/// options, amplitude is left at espeak-ng's default (loudness is applied afterwards). espeak-ng is deterministic:
/// the same arguments give the same samples.
/// </remarks>
internal sealed class EspeakSynthesizer
{
    /// <summary>The executable looked up on PATH when none is given.</summary>
    public const string DefaultExecutable = "espeak-ng";

    /// <summary>The message of <see cref="EspeakNotFoundException"/>.</summary>
    public const string NotFoundMessage = "espeak-ng not found: install it with `apt-get install espeak-ng`";

    private const int MaxErrorChars = 500;

    /// <summary>Creates a synthesizer that runs <paramref name="executable"/>.</summary>
    /// <param name="executable">A path or a name looked up on PATH; <see cref="DefaultExecutable"/> when null or empty.</param>
    public EspeakSynthesizer(string? executable = null)
    {
        Executable = string.IsNullOrEmpty(executable) ? DefaultExecutable : executable;
    }

    /// <summary>The executable this instance runs.</summary>
    public string Executable { get; }

    /// <summary>Runs <c>espeak-ng --version</c>: checks that the program starts and returns its version line.</summary>
    /// <exception cref="EspeakNotFoundException">The executable cannot be started.</exception>
    /// <exception cref="InvalidOperationException">It started but failed.</exception>
    public string GetVersion()
    {
        var (output, _) = Run(["--version"]);
        return Encoding.UTF8.GetString(output).Trim();
    }

    /// <summary>Synthesizes <paramref name="text"/> in <paramref name="voice"/> with the given prosody.</summary>
    /// <param name="voice">An espeak-ng voice such as <c>en-us+f3</c>.</param>
    /// <param name="prosody">Pitch, range, rate, word gap and pauses.</param>
    /// <param name="text">Plain text (escaped here for SSML).</param>
    /// <param name="random">Decides where the pauses go.</param>
    /// <returns>The audio at espeak-ng's rate (22050 Hz).</returns>
    /// <exception cref="EspeakNotFoundException">The executable cannot be started.</exception>
    /// <exception cref="InvalidOperationException">espeak-ng failed or wrote something that is not a WAV file.</exception>
    public MonoAudio Synthesize(string voice, ProsodySample prosody, string text, SynthRandom random)
    {
        ArgumentException.ThrowIfNullOrEmpty(voice);
        ArgumentNullException.ThrowIfNull(prosody);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(random);
        var (output, _) = Run(BuildArguments(voice, prosody, BuildSsml(text, prosody, random)));
        try
        {
            using var reader = new WavReader(new MemoryStream(output, writable: false));
            // The header's length may be a "length unknown" marker (espeak-ng writes 0x7FFFF000): the bytes bound it.
            var bound = output.Length / Math.Max(1, reader.BlockAlign);
            var samples = new float[(int)Math.Min(bound, reader.FrameCount ?? bound)];
            var count = 0;
            int read;
            while (count < samples.Length && (read = reader.ReadMono(samples.AsSpan(count))) > 0)
            {
                count += read;
            }

            Array.Resize(ref samples, count);
            return new MonoAudio(samples, reader.SampleRate);
        }
        catch (WavFormatException ex)
        {
            throw new InvalidOperationException($"{Executable} wrote output that is not a WAV file for voice {voice}: {ex.Message}", ex);
        }
    }

    /// <summary>The command-line arguments for one utterance (SSML input, WAV to stdout).</summary>
    internal static IReadOnlyList<string> BuildArguments(string voice, ProsodySample prosody, string ssml) =>
    [
        "-m",
        "-v", voice,
        "-p", prosody.Pitch.ToString(CultureInfo.InvariantCulture),
        "-s", prosody.RateWpm.ToString(CultureInfo.InvariantCulture),
        "-g", prosody.WordGap.ToString(CultureInfo.InvariantCulture),
        "--stdout",
        ssml,
    ];

    /// <summary>The SSML of one utterance: the pitch range and a pause after some words.</summary>
    internal static string BuildSsml(string text, ProsodySample prosody, SynthRandom random)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var builder = new StringBuilder("<speak><prosody range=\"");
        builder.Append(prosody.RangePercent.ToString(CultureInfo.InvariantCulture)).Append("%\">");
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(' ');
            }

            builder.Append(SecurityElement.Escape(words[i]));
            if (i < words.Length - 1 && random.Chance(prosody.PauseRate))
            {
                var ms = (int)Math.Round(prosody.PauseMs * random.Uniform(0.5, 1.5));
                builder.Append(" <break time=\"").Append(ms.ToString(CultureInfo.InvariantCulture)).Append("ms\"/>");
            }
        }

        return builder.Append("</prosody></speak>").ToString();
    }

    private (byte[] Output, string Error) Run(IReadOnlyList<string> arguments)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(startInfo);
        }
        catch (Win32Exception ex)
        {
            throw new EspeakNotFoundException(Executable, ex);
        }

        if (process is null)
        {
            throw new EspeakNotFoundException(Executable, null);
        }

        using (process)
        {
            // stderr is drained on a dedicated thread: callers run on the thread pool, and blocking a pool thread on
            // an async read that itself needs a pool thread starves the pool (clips then wait for thread injection).
            var error = Task.Factory.StartNew(
                () => process.StandardError.ReadToEnd(),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            using var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            var errorText = error.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                var detail = errorText.Length > MaxErrorChars ? errorText[..MaxErrorChars] + "..." : errorText;
                throw new InvalidOperationException($"{Executable} {string.Join(' ', arguments.Take(arguments.Count - 1))} failed with exit code {process.ExitCode}: {detail.Trim()}");
            }

            return (output.ToArray(), errorText);
        }
    }
}

/// <summary>espeak-ng could not be started: it is not installed, or the configured path is wrong.</summary>
internal sealed class EspeakNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="executable"/>.</summary>
    public EspeakNotFoundException(string executable, Exception? innerException)
        : base(Describe(executable), innerException)
    {
        Executable = executable;
    }

    /// <summary>The executable that could not be started.</summary>
    public string Executable { get; }

    private static string Describe(string executable) =>
        executable == EspeakSynthesizer.DefaultExecutable
            ? EspeakSynthesizer.NotFoundMessage
            : $"{EspeakSynthesizer.NotFoundMessage} (could not start '{executable}')";
}
