using System.Globalization;

namespace SerSsl.Synthesis;

/// <summary>How far a corpus synthesis has come.</summary>
/// <param name="Completed">Clips written so far.</param>
/// <param name="Total">Clips in the corpus.</param>
/// <param name="Elapsed">Time since the clips started.</param>
internal readonly record struct SynthesisProgress(int Completed, int Total, TimeSpan Elapsed)
{
    /// <summary>Estimated time left at the rate so far; null before the first clip.</summary>
    public TimeSpan? Remaining => Completed == 0 ? null : Elapsed * ((Total - Completed) / (double)Completed);
}

/// <summary>
/// A progress display on a text writer (usually stderr): one line rewritten in place with count, total, elapsed time
/// and ETA when the writer is an interactive console, else a line every 10% and at the end. Thread-safe. Also takes
/// plain (done, total) counts, timed from the display's creation (feature extraction, corpus loading).
/// </summary>
internal sealed class ProgressLine : IProgress<SynthesisProgress>, IProgress<(int Done, int Total)>
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);

    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly bool _interactive;
    private readonly Lock _lock = new();
    private TimeSpan _lastWrite = TimeSpan.MinValue;
    private int _lastDecile = -1;
    private bool _finished;

    /// <summary>Creates a display writing to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where to write, usually the command's error writer.</param>
    /// <param name="label">What is being made, e.g. <c>synth speech</c>.</param>
    /// <param name="interactive">Rewrite one line with '\r' (a terminal) instead of printing lines.</param>
    public ProgressLine(TextWriter writer, string label, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(label);
        _writer = writer;
        _label = label;
        _interactive = interactive;
    }

    /// <summary>True when <paramref name="writer"/> is the process's stderr and that is a terminal.</summary>
    public static bool IsInteractive(TextWriter writer) => ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <inheritdoc/>
    public void Report((int Done, int Total) value) => Report(new SynthesisProgress(value.Done, value.Total, _clock.Elapsed));

    /// <inheritdoc/>
    public void Report(SynthesisProgress value)
    {
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }

            var done = value.Completed >= value.Total;
            if (_interactive)
            {
                if (!done && value.Elapsed - _lastWrite < s_interval)
                {
                    return;
                }

                _lastWrite = value.Elapsed;
                _writer.Write('\r' + Describe(value) + "   ");
                if (done)
                {
                    _writer.WriteLine();
                }
            }
            else
            {
                var decile = value.Total == 0 ? 10 : value.Completed * 10 / value.Total;
                if (decile == _lastDecile && !done)
                {
                    return;
                }

                _lastDecile = decile;
                _writer.WriteLine(Describe(value));
            }

            _finished = done;
            _writer.Flush();
        }
    }

    private string Describe(SynthesisProgress value)
    {
        var percent = value.Total == 0 ? 100 : 100.0 * value.Completed / value.Total;
        var eta = value.Completed >= value.Total ? "done" : value.Remaining is TimeSpan r ? "ETA " + Clock(r) : "ETA --:--";
        return string.Create(CultureInfo.InvariantCulture, $"{_label}: {value.Completed}/{value.Total} clips ({percent:F1}%), {Clock(value.Elapsed)} elapsed, {eta}");
    }

    private static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes:D2}:{t.Seconds:D2}");
}
