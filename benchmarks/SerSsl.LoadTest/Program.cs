using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace SerSsl.LoadTest;

/// <summary>
/// <c>sers-load</c>: N concurrent real-time streams through <c>Recognize</c> on loopback, and one session fanned out to M
/// subscribers; prints and writes latency percentiles, throughput, CPU and memory per session, and a PNG.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var streams = new Option<int[]>("--streams") { Description = "Concurrent stream counts to step through, in order; stepping stops after the first that is not real time.", DefaultValueFactory = _ => [1, 50, 100, 200, 300, 400, 500, 600], AllowMultipleArgumentsPerToken = true };
        var fanout = new Option<int[]>("--fanout") { Description = "Subscriber counts for the fan-out steps (one source session each).", DefaultValueFactory = _ => [1, 10, 100, 1000], AllowMultipleArgumentsPerToken = true };
        var seconds = new Option<double>("--seconds") { Description = "Audio seconds per step (each stream sends this much in real time).", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds at the start of each stream left out of the latency figures.", DefaultValueFactory = _ => 3 };
        var wav = new Option<string>("--wav") { Description = "The 16 kHz recording every stream sends (looped from a random offset).", DefaultValueFactory = _ => "samples/demo.wav" };
        var blockMs = new Option<int>("--block-ms") { Description = "Audio per message in milliseconds.", DefaultValueFactory = _ => 100 };
        var address = new Option<string?>("--server") { Description = "An address of a running sers serve; default: start one (then its CPU and memory are measured)." };
        var sers = new Option<string>("--sers") { Description = "The sers build to start.", DefaultValueFactory = _ => "src/SerSsl.Streaming/bin/Release/net10.0/sers.dll" };
        var serverArgs = new Option<string[]>("--server-args") { Description = "Extra arguments for the started sers serve, e.g. --server-args=--threads --server-args=2. Default: --log-level warning (a session start and end per stream would flood the output).", DefaultValueFactory = _ => ["--log-level", "warning"] };
        var output = new Option<string>("--out") { Description = "Folder for results.json and load-latency.png.", DefaultValueFactory = _ => "benchmarks/results/load" };
        var root = new RootCommand("sers-load: load harness for the sers gRPC service (real-time streams, fan-out).")
        {
            streams, fanout, seconds, warmup, wav, blockMs, address, sers, serverArgs, output,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            var audio = LoadAudio.Load(parse.GetRequiredValue(wav), parse.GetValue(blockMs));
            await using var server = parse.GetValue(address) is null
                ? await ServerProcess.StartAsync(Path.GetFullPath(parse.GetRequiredValue(sers)), parse.GetRequiredValue(serverArgs), cancellationToken)
                : null;
            var target = parse.GetValue(address) ?? server!.Address;
            var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
            var steps = new LoadSteps(target, server, audio, duration, TimeSpan.FromSeconds(parse.GetValue(warmup)));
            Console.WriteLine($"server {target} (pid {server?.Id.ToString(CultureInfo.InvariantCulture) ?? "external"}), {Environment.ProcessorCount} cores, audio {audio.Source}, {duration.TotalSeconds} s per step");
            Console.WriteLine("streams  est/s  expected  got     proc p50   p95    p99 ms   e2e p50   p95    p99 ms   cpu cores  MiB/session  dropped  real time");
            var streamResults = new List<StreamStepResult>();
            foreach (var n in parse.GetRequiredValue(streams))
            {
                var r = await steps.StreamsAsync(n, cancellationToken);
                streamResults.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Streams,7} {r.EstimatesPerSecond,6:F0} {r.ExpectedEstimates,9} {r.Estimates,6}  {r.ProcessingP50,8:F1} {r.ProcessingP95,6:F1} {r.ProcessingP99,8:F1}  {r.EndToEndP50,8:F1} {r.EndToEndP95,6:F1} {r.EndToEndP99,8:F1}  {r.CpuCores,9:F2}  {r.MemoryPerSessionMiB,11:F2}  {r.DroppedSamples,7}  {(r.RealTime ? "yes" : "no")}"));
                if (!r.RealTime)
                {
                    break;
                }
            }

            Console.WriteLine();
            Console.WriteLine("subscribers  delivered/s  delivery p50   p95    p99 ms  gaps  cpu cores");
            var fanOutResults = new List<FanOutStepResult>();
            foreach (var m in parse.GetRequiredValue(fanout))
            {
                var r = await steps.FanOutAsync(m, cancellationToken);
                fanOutResults.Add(r);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Subscribers,11} {r.DeliveredPerSecond,12:F0}  {r.DeliveryP50,12:F1} {r.DeliveryP95,6:F1} {r.DeliveryP99,8:F1}  {r.Gaps,4}  {r.CpuCores,9:F2}"));
            }

            var largest = streamResults.Where(r => r.RealTime).Select(r => r.Streams).DefaultIfEmpty(0).Max();
            Console.WriteLine();
            Console.WriteLine($"largest real-time step (p99 processing < 100 ms, no drops, >= 95 % of estimates): {largest} streams");
            var folder = parse.GetRequiredValue(output);
            Directory.CreateDirectory(folder);
            var json = JsonSerializer.Serialize(new { machine = new { Environment.ProcessorCount, os = Environment.OSVersion.ToString(), runtime = Environment.Version.ToString() }, seconds = duration.TotalSeconds, streams = streamResults, fanOut = fanOutResults, largestRealTimeStreams = largest }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
            await File.WriteAllTextAsync(Path.Combine(folder, "results.json"), json, cancellationToken);
            Plot(streamResults, Path.Combine(folder, "load-latency.png"));
            Console.WriteLine($"wrote {Path.Combine(folder, "results.json")} and load-latency.png");
            return 0;
        });
        return root.Parse(args).Invoke();
    }

    private static void Plot(IReadOnlyList<StreamStepResult> results, string path)
    {
        var plot = new Plot();
        double[] n = [.. results.Select(r => (double)r.Streams)];
        void Line(Func<StreamStepResult, double> value, string label, string color)
        {
            var line = plot.Add.Scatter(n, results.Select(value).ToArray());
            line.LegendText = label;
            line.Color = Color.FromHex(color);
            line.LineWidth = 2;
        }

        Line(r => r.ProcessingP50, "processing p50", "#9ecae1");
        Line(r => r.ProcessingP95, "processing p95", "#4292c6");
        Line(r => r.ProcessingP99, "processing p99", "#08519c");
        Line(r => r.EndToEndP99, "end to end p99", "#d62728");
        var limit = plot.Add.HorizontalLine(100);
        limit.LegendText = "100 ms";
        limit.Color = Color.FromHex("#7f7f7f");
        limit.LinePattern = LinePattern.Dashed;
        plot.Title("sers: latency against concurrent real-time streams");
        plot.XLabel("concurrent streams (one estimate every 250 ms each)");
        plot.YLabel("latency (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 500);
    }
}
