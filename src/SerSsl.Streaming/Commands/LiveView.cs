using System.Globalization;
using System.Text;
using SerSsl.Protos.V1;
using SerSsl.Streaming.Analysis;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SerSsl.Streaming.Commands;

/// <summary>
/// The console view of <c>sers listen</c>: a bar per label, the top label, speech or silence, latency and dropped audio,
/// redrawn as estimates arrive. When the output is not a terminal it prints one line per estimate instead.
/// </summary>
internal sealed class LiveView
{
    private readonly object _gate = new();
    private readonly IReadOnlyList<string> _labels;
    private readonly string _source;
    private readonly string _model;
    private EmotionEstimate? _latest;
    private string? _clip;
    private bool _inUtterance;
    private long _count;
    private double _latencySum;
    private double _latencyMax;

    public LiveView(IReadOnlyList<string> labels, string source, string model)
    {
        _labels = labels;
        _source = source;
        _model = model;
    }

    /// <summary>Estimates seen.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Records an estimate (called on the session's estimate task).</summary>
    public void OnEstimate(EmotionEstimate estimate)
    {
        lock (_gate)
        {
            _latest = estimate;
            _count++;
            _latencySum += estimate.LatencyMs;
            _latencyMax = Math.Max(_latencyMax, estimate.LatencyMs);
        }
    }

    /// <summary>Records an utterance event.</summary>
    public void OnUtterance(UtteranceEvent utterance)
    {
        lock (_gate)
        {
            _inUtterance = utterance.Kind == UtteranceEventKind.Start;
        }
    }

    /// <summary>Records what is playing now (a playlist's clip), shown in the header.</summary>
    public void OnClip(string clip)
    {
        lock (_gate)
        {
            _clip = clip;
        }
    }

    /// <summary>One plain line for an estimate (non-interactive output).</summary>
    public static string Line(EmotionEstimate e)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{e.EndSeconds,8:F2} s  #{e.Sequence,-5} {(e.Speech ? "speech " : "silence")}  {e.TopLabel,-4} {e.Confidence:F2}  ");
        foreach (var p in e.Probabilities)
        {
            text.Append(CultureInfo.InvariantCulture, $" {p.Label} {p.Probability:F2}");
        }

        text.Append(CultureInfo.InvariantCulture, $"  latency {e.LatencyMs:F1} ms");
        if (e.DroppedSamples > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"  dropped {e.DroppedSamples} samples");
        }

        if (e.Conditions.Count > 0)
        {
            text.Append("  [").Append(string.Join(", ", e.Conditions.Select(TimelineWriter.ConditionName))).Append(']');
        }

        return text.ToString();
    }

    /// <summary>Redraws the view until <paramref name="completion"/> ends.</summary>
    public async Task RunAsync(IAnsiConsole console, Task completion)
    {
        await console.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            while (!completion.IsCompleted)
            {
                context.UpdateTarget(Render());
                await Task.WhenAny(completion, Task.Delay(100)).ConfigureAwait(false);
            }

            context.UpdateTarget(Render());
        }).ConfigureAwait(false);
    }

    /// <summary>A summary line: estimates, mean and worst latency, dropped audio.</summary>
    public string Summary()
    {
        lock (_gate)
        {
            var mean = _count == 0 ? 0 : _latencySum / _count;
            return string.Create(CultureInfo.InvariantCulture, $"{_count} estimates, latency mean {mean:F1} ms, max {_latencyMax:F1} ms, dropped {_latest?.DroppedSamplesTotal ?? 0} samples");
        }
    }

    private IRenderable Render()
    {
        EmotionEstimate? e;
        bool inUtterance;
        long count;
        string? clip;
        lock (_gate)
        {
            e = _latest;
            clip = _clip;
            inUtterance = _inUtterance;
            count = _count;
        }

        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn(new TableColumn("label").Width(12));
        table.AddColumn(new TableColumn("probability"));
        table.AddColumn(new TableColumn(string.Empty).RightAligned().Width(6));
        for (var i = 0; i < _labels.Count; i++)
        {
            var p = e is null ? 0f : e.Probabilities[i].Probability;
            var top = e is not null && e.TopLabel == _labels[i];
            var bar = new string('█', (int)Math.Round(p * 40)) + new string('·', 40 - (int)Math.Round(p * 40));
            var color = top ? (e!.Speech ? "green" : "grey") : "blue";
            table.AddRow(
                new Markup(top ? $"[bold]{Markup.Escape(_labels[i])}[/]" : Markup.Escape(_labels[i])),
                new Markup($"[{color}]{bar}[/]"),
                new Markup(p.ToString("F2", CultureInfo.InvariantCulture)));
        }

        string status;
        if (e is null)
        {
            status = "[grey]waiting for the first second of audio…[/]";
        }
        else
        {
            var speech = e.Speech ? "[green]speech[/]" : "[grey]silence[/]";
            var utterance = inUtterance ? " (in utterance)" : string.Empty;
            var dropped = e.DroppedSamplesTotal > 0 ? $"[red]{e.DroppedSamplesTotal} samples dropped[/]" : "no audio dropped";
            status = string.Create(
                CultureInfo.InvariantCulture,
                $"top [bold]{Markup.Escape(e.TopLabel)}[/] {e.Confidence:P0}   {speech}{utterance} (p={e.SpeechProbability:F2})   latency {e.LatencyMs:F1} ms   {dropped}   t={e.EndSeconds:F1} s   #{count}");
        }

        var playing = clip is null ? string.Empty : $"  [yellow]{Markup.Escape(clip)}[/]";
        return new Rows(
            new Markup($"[bold]sers listen[/]  source [aqua]{Markup.Escape(_source)}[/]{playing}  model [aqua]{Markup.Escape(_model)}[/]  (Ctrl+C to stop)"),
            table,
            new Markup(status));
    }
}
