using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.Bench;

/// <summary>
/// Experiment throughput on the local host against the stub model with 200 ms latency: wall-clock of a run
/// divided by the ideal (rows x latency / concurrency), and a large run's wall-clock and peak memory.
/// </summary>
public static class ExperimentBench
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    private const int Concurrency = 50;

    public static async Task<int> RunAsync(string storage, int rows, int largeRows)
    {
        await using var model = await StubModelServer.StartAsync(latency: Latency);
        await using var host = await Program.StartHostAsync(storage, new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
            ["DurableTask:MaxConcurrentActivities"] = "200",
        });
        using var http = Program.Client(host.Address);
        await SeedPromptAsync(http);

        var report = new StringBuilder();
        report.AppendLine("| run | rows | concurrency | wall-clock | ideal (rows x 200 ms / concurrency) | ratio | target | peak working set |");
        report.AppendLine("|---|---|---|---|---|---|---|---|");
        // A short warm-up so JIT and connection set-up are not charged to the measured run.
        await RunOnceAsync(http, "bench-warm", 100);
        foreach (var (label, count) in new[] { ("standard", rows), ("large", largeRows) })
        {
            var before = model.Calls;
            var wall = await RunOnceAsync(http, $"bench-{label}", count);
            if (model.Calls - before != count) throw new InvalidOperationException($"expected {count} model calls, saw {model.Calls - before}");
            var ideal = TimeSpan.FromMilliseconds(count * Latency.TotalMilliseconds / Concurrency);
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {label} | {count:N0} | {Concurrency} | {wall.TotalSeconds:F2} s | {ideal.TotalSeconds:F2} s | {wall / ideal:F2}x | {(label == "standard" ? "<= 1.15x" : "")} | {peak:F0} MiB |");
        }
        Console.WriteLine();
        Console.WriteLine(report.ToString());
        Console.WriteLine("Peak working set is of the whole benchmark process: local host, in-process Durable engine, stub model server and client.");
        return 0;
    }

    /// <summary>Uploads <paramref name="count"/> rows, runs them, and returns the time from start request to completed status.</summary>
    internal static async Task<TimeSpan> RunOnceAsync(HttpClient http, string dataset, int count, int concurrency = Concurrency)
    {
        await UploadAsync(http, dataset, count);
        return await RunExperimentAsync(http, dataset, concurrency);
    }

    internal static async Task UploadAsync(HttpClient http, string dataset, int count)
    {
        var examples = new JsonArray();
        for (var i = 0; i < count; i++)
            examples.Add(new JsonObject { ["input"] = new JsonObject { ["n"] = i.ToString(CultureInfo.InvariantCulture) }, ["expected"] = i.ToString(CultureInfo.InvariantCulture) });
        await Post(http, $"/api/datasets/{dataset}/versions", new JsonObject { ["examples"] = examples });
    }

    internal static Task SeedPromptAsync(HttpClient http) => Post(http, "/api/prompts/bench-exp/versions", new JsonObject
    {
        ["version"] = new JsonObject
        {
            ["template"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Answer with the number only." },
                new JsonObject { ["role"] = "user", ["content"] = "echo: {{n}}" }),
        },
    });

    /// <summary>Runs prompt bench-exp over a stored dataset; the time from the start request to the poll that sees completed.</summary>
    /// <summary>How often the bench asks for the experiment's state (25 ms unless <c>PF_BENCH_POLL_MS</c> says otherwise).</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable("PF_BENCH_POLL_MS"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms > 0 ? ms : 25);

    internal static async Task<TimeSpan> RunExperimentAsync(HttpClient http, string dataset, int concurrency)
    {
        var started = Stopwatch.GetTimestamp();
        var experiment = await Post(http, "/api/experiments", new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "bench-exp" },
            ["dataset"] = new JsonObject { ["name"] = dataset },
            ["model"] = new JsonObject { ["connection"] = "stub" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            ["max_concurrency"] = concurrency,
        });
        var id = experiment["id"]!.GetValue<string>();
        while (true)
        {
            var state = (await http.GetFromJsonAsync<JsonObject>($"/api/experiments/{id}"))!;
            var status = state["status"]!.GetValue<string>();
            if (status == "completed")
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                var passRate = state["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>();
                if (passRate != 1.0) throw new InvalidOperationException($"run {dataset} scored {passRate}, expected every row to match");
                var created = DateTimeOffset.Parse(state["created_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                var startedAt = DateTimeOffset.Parse(state["started_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                var completedAt = DateTimeOffset.Parse(state["completed_at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                Console.WriteLine($"{dataset}: queued {(startedAt - created).TotalMilliseconds:F0} ms, running {(completedAt - startedAt).TotalMilliseconds:F0} ms, total {elapsed.TotalMilliseconds:F0} ms, model call p50 {state["aggregates"]!["latency_ms"]!["p50"]} ms p95 {state["aggregates"]!["latency_ms"]!["p95"]} ms");
                return elapsed;
            }
            if (status is "failed" or "cancelled") throw new InvalidOperationException($"run {dataset} ended {status}: {state}");
            await Task.Delay(PollInterval);
        }
    }

    internal static async Task<JsonObject> Post(HttpClient http, string path, JsonNode body)
    {
        using var response = await http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
