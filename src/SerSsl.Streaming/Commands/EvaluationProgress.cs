using System.Diagnostics;
using System.Globalization;
using SerSsl.Streaming.Evaluation;
using Spectre.Console;

namespace SerSsl.Streaming.Commands;

/// <summary>
/// The progress of <c>sers evaluate</c>: a progress bar on a terminal, otherwise one plain line every
/// <see cref="LineInterval"/> (never a line per clip); both end with a summary line.
/// </summary>
internal sealed class EvaluationProgress
{
    /// <summary>Time between plain progress lines.</summary>
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(10);

    private readonly int _total;
    private readonly long _start = Stopwatch.GetTimestamp();
    private int _done;
    private int _correct;
    private int _failed;
    private long _audioMicroseconds;

    public EvaluationProgress(int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        _total = total;
    }

    /// <summary>Records a finished clip (called from several threads).</summary>
    public void OnOutcome(ClipOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Decision is { } decision)
        {
            if (decision.Predicted == outcome.Clip.Target)
            {
                Interlocked.Increment(ref _correct);
            }
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }

        Interlocked.Add(ref _audioMicroseconds, (long)(outcome.DurationSeconds * 1e6));
        Interlocked.Increment(ref _done);
    }

    /// <summary>Shows progress until <paramref name="run"/> ends: a bar on <paramref name="console"/>, or lines on <paramref name="lines"/> when it is null.</summary>
    public async Task ShowAsync(Task run, IAnsiConsole? console, TextWriter lines)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(lines);
        if (console is not null)
        {
            await console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Describe(), maxValue: Math.Max(1, _total));
                    while (!run.IsCompleted)
                    {
                        task.Value = Volatile.Read(ref _done);
                        task.Description = Describe();
                        await Task.WhenAny(run, Task.Delay(200)).ConfigureAwait(false);
                    }

                    task.Value = Volatile.Read(ref _done);
                    task.Description = Describe();
                }).ConfigureAwait(false);
        }
        else
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(LineInterval)).ConfigureAwait(false);
                if (!run.IsCompleted)
                {
                    lines.WriteLine($"evaluate: {Line()}");
                }
            }
        }

        lines.WriteLine($"evaluate: {(run.IsCompletedSuccessfully ? "done" : "stopped")}, {Line()}");
    }

    private string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Volatile.Read(ref _done)}/{_total} clips, accuracy {Accuracy():F3}");

    private string Line()
    {
        var done = Volatile.Read(ref _done);
        var seconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var audio = Interlocked.Read(ref _audioMicroseconds) / 1e6;
        var rate = seconds > 0 ? done / seconds : 0;
        var left = rate > 0 ? (_total - done) / rate : 0;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{done}/{_total} clips ({(_total == 0 ? 100 : 100.0 * done / _total):F1} %) in {seconds:F1} s, {rate:F1} clips/s, {(seconds > 0 ? audio / seconds : 0):F0}x real time, accuracy so far {Accuracy():F3}, {Volatile.Read(ref _failed)} unreadable or too short{(done < _total && rate > 0 ? $", about {left:F0} s left" : string.Empty)}");
    }

    private double Accuracy()
    {
        var scored = Volatile.Read(ref _done) - Volatile.Read(ref _failed);
        return scored <= 0 ? 0 : (double)Volatile.Read(ref _correct) / scored;
    }
}
