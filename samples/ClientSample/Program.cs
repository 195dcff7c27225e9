// Streams a WAV file to a SerSsl server at real-time pace and prints every estimate; with --follow, a second task
// follows the same session through Subscribe (reconnecting if the server goes away) and prints what it sees too.
//
//   sers serve &
//   dotnet run --project samples/ClientSample -- samples/demo.wav [--address http://127.0.0.1:50051] [--key KEY] [--follow]
using System.Globalization;
using SerSsl.Client;

var wav = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(a));
if (wav is null)
{
    Console.Error.WriteLine("usage: ClientSample WAV [--address http://127.0.0.1:50051] [--key KEY] [--follow]");
    return 2;
}

var address = Option("--address") ?? "http://127.0.0.1:50051";
using var client = new SerSslClient(address, new SerSslClientOptions { ApiKey = Option("--key") });
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    var model = await client.GetModelInfoAsync(stop.Token);
    Console.WriteLine($"model {model.Name}: {string.Join(", ", model.Labels)}");
    await using var stream = File.OpenRead(wav);
    Task? follower = null;
    await foreach (var e in client.RecognizeWavAsync(stream, new RecognizeOptions { RealTime = true }, stop.Token))
    {
        if (e.Kind == ClientEventKind.Started && args.Contains("--follow"))
        {
            follower = Follow(e.SessionId);
        }

        Print("recognize", e);
    }

    if (follower is not null)
    {
        await follower;
    }

    return 0;
}
catch (SerSslException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
catch (Exception ex) when (ex is InvalidDataException or IOException)
{
    Console.Error.WriteLine($"error: {wav}: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 130;
}

async Task Follow(string sessionId)
{
    await foreach (var e in client.SubscribeAsync(sessionId, fromSequence: 0, stop.Token))
    {
        Print("subscribe", e);
    }
}

static void Print(string stream, ClientEvent e)
{
    var line = e.Kind switch
    {
        ClientEventKind.Started => $"session {e.SessionId} started",
        ClientEventKind.Estimate => string.Create(CultureInfo.InvariantCulture, $"#{e.Estimate!.Sequence} {e.Estimate.StartSeconds:F2}-{e.Estimate.EndSeconds:F2} s {e.Estimate.TopLabel} {e.Estimate.Confidence:P0}{(e.Estimate.Speech ? string.Empty : " (no speech)")}"),
        ClientEventKind.Utterance => string.Create(CultureInfo.InvariantCulture, $"utterance {e.Utterance!.Kind} at {e.Utterance.TimeSeconds:F2} s"),
        ClientEventKind.Gap => $"GAP: {e.Gap!.DroppedEvents} events missing ({e.Gap.Origin}, {e.Gap.Reason})",
        ClientEventKind.Reconnected => $"reconnected after {e.Reconnect!.Attempts} attempts ({e.Reconnect.Cause}){(e.Reconnect.SessionReplaced ? "; the session was started again" : string.Empty)}",
        _ => e.Kind.ToString(),
    };
    Console.WriteLine($"{stream}: {line}");
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

bool IsOptionValue(string arg)
{
    var i = Array.IndexOf(args, arg);
    return i > 0 && args[i - 1] is "--address" or "--key";
}
