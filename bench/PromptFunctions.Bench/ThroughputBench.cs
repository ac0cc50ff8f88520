using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.Bench;

/// <summary>
/// Experiment throughput at high concurrency on the local host against the stub model with 200 ms latency: one run
/// of <c>rows</c> rows at <c>max_concurrency</c> <c>concurrency</c> (ideal rows x 200 ms / concurrency), its
/// wall-clock ratio, and the CPU time of the whole process per row. The same process also measures the floor: the
/// same number of chat completion calls sent straight to the stub with a plain HttpClient at the same concurrency,
/// so the stub's own CPU share is known. A warm-up run comes first so JIT is not charged to the measured run.
/// </summary>
public static class ThroughputBench
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(string storage, int rows, int concurrency)
    {
        await using var model = await StubModelServer.StartAsync(latency: Latency);
        await using var host = await Program.StartHostAsync(storage, new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
        });
        using var http = Program.Client(host.Address);
        await ExperimentBench.SeedPromptAsync(http);
        await ExperimentBench.UploadAsync(http, "bench-tp-warm", Math.Min(rows, 1000));
        await ExperimentBench.UploadAsync(http, "bench-tp", rows);

        await ExperimentBench.RunExperimentAsync(http, "bench-tp-warm", concurrency);
        var floor = await StubFloorAsync(model, rows, concurrency);

        var before = model.Calls;
        var azuriteBefore = AzuriteCpu();
        var (wall, cpu, allocated) = await Measure(() => ExperimentBench.RunExperimentAsync(http, "bench-tp", concurrency));
        if (model.Calls - before != rows) throw new InvalidOperationException($"expected {rows} model calls, saw {model.Calls - before}");
        var ideal = TimeSpan.FromMilliseconds(rows * Latency.TotalMilliseconds / concurrency);
        var azurite = AzuriteCpu() - azuriteBefore;

        var report = new StringBuilder();
        report.AppendLine("| run | rows | concurrency | wall-clock | ideal | ratio | target | CPU ms/row | allocated KiB/row | load average (1 min) |");
        report.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| experiment | {rows:N0} | {concurrency} | {wall.TotalSeconds:F2} s | {ideal.TotalSeconds:F2} s | **{wall / ideal:F2}x** | <= 1.5x | {cpu.TotalMilliseconds / rows:F2} | {allocated / 1024.0 / rows:F1} | {LoadAverage()} |");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| floor: plain HttpClient to the stub | {rows:N0} | {concurrency} | {floor.Wall.TotalSeconds:F2} s | {ideal.TotalSeconds:F2} s | {floor.Wall / ideal:F2}x | | {floor.Cpu.TotalMilliseconds / rows:F2} | {floor.Allocated / 1024.0 / rows:F1} | {LoadAverage()} |");
        Console.WriteLine();
        Console.WriteLine(report.ToString());
        Console.WriteLine("CPU ms/row is the whole process's CPU time over the run divided by rows: local host, in-process Durable engine, stub model server and client.");
        if (azurite is { } storageCpu) Console.WriteLine($"Azurite (a separate process) over the same run: {storageCpu.TotalMilliseconds / rows:F2} CPU ms/row.");
        return 0;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>CPU time of the Azurite process bench/run.sh started (user + system, from /proc), when known.</summary>
    internal static TimeSpan? AzuriteCpu()
    {
        if (Environment.GetEnvironmentVariable("PF_BENCH_AZURITE_PID") is not { } pid || !File.Exists($"/proc/{pid}/stat")) return null;
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted after the command name; clock ticks of 10 ms on Linux.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    internal static async Task<(TimeSpan Wall, TimeSpan Cpu, long Allocated)> Measure(Func<Task> run)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var started = Stopwatch.GetTimestamp();
        await run();
        var wall = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        return (wall, process.TotalProcessorTime - cpuBefore, GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore);
    }

    /// <summary>The same calls with nothing of the product in between: what the stub and a bare client cost.</summary>
    private static async Task<(TimeSpan Wall, TimeSpan Cpu, long Allocated)> StubFloorAsync(StubModelServer model, int rows, int concurrency)
    {
        using var client = new HttpClient();
        var url = new Uri(model.Endpoint.ToString().TrimEnd('/') + "/chat/completions");
        return await Measure(() => Parallel.ForEachAsync(Enumerable.Range(0, rows), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, token) =>
        {
            var body = new JsonObject
            {
                ["model"] = "stub-model",
                ["messages"] = new JsonArray(
                    new JsonObject { ["role"] = "system", ["content"] = "Answer with the number only." },
                    new JsonObject { ["role"] = "user", ["content"] = $"echo: {i}" }),
            };
            using var response = await client.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), token);
            response.EnsureSuccessStatusCode();
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(token))!;
            if ((string?)answer["choices"]![0]!["message"]!["content"] != i.ToString(CultureInfo.InvariantCulture)) throw new InvalidOperationException("stub answered wrong");
        }));
    }
}
