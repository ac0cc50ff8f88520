using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.Bench;

/// <summary>
/// Suite runs on the local host against the stub model with 200 ms latency: 20 suites (one per prompt) of 200 rows,
/// each running a baseline and one candidate model, measured two ways. Sequential: one run after another, each with
/// max_concurrency 50 shared by its two experiments, so 50 calls are in flight at any time and the ideal is
/// 20 x 400 x 200 ms / 50. Concurrent: all 20 started at once, each with max_concurrency 50 (1,000 calls in flight),
/// ideal 400 x 200 ms / 50.
/// </summary>
public static class SuiteBench
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    private const int Concurrency = 50;

    public static async Task<int> RunAsync(string storage, int suites, int rows)
    {
        await using var model = await StubModelServer.StartAsync(latency: Latency);
        await using var host = await Program.StartHostAsync(storage, new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
            ["DurableTask:MaxConcurrentActivities"] = "400",
            ["DurableTask:MaxConcurrentOrchestrations"] = "200",
            ["Suites:SchedulerEnabled"] = "false",
        });
        using var http = Program.Client(host.Address);
        var examples = new JsonArray();
        for (var i = 0; i < rows; i++)
            examples.Add(new JsonObject { ["input"] = new JsonObject { ["n"] = i.ToString(CultureInfo.InvariantCulture) }, ["expected"] = i.ToString(CultureInfo.InvariantCulture) });
        await Send(http, HttpMethod.Post, "/api/datasets/bench-suite-rows/versions", new JsonObject { ["examples"] = examples });
        for (var p = 0; p < suites; p++)
        {
            await Send(http, HttpMethod.Post, $"/api/prompts/bench-suite-{p}/versions", new JsonObject
            {
                ["version"] = new JsonObject
                {
                    ["template"] = new JsonArray(
                        new JsonObject { ["role"] = "system", ["content"] = $"Prompt {p}: answer with the number only." },
                        new JsonObject { ["role"] = "user", ["content"] = "echo: {{n}}" }),
                    ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
                },
                ["tags"] = new JsonArray("production"),
            });
            await Send(http, HttpMethod.Put, $"/api/suites/bench-suite-{p}", new JsonObject
            {
                ["prompt"] = new JsonObject { ["name"] = $"bench-suite-{p}" },
                ["dataset"] = new JsonObject { ["name"] = "bench-suite-rows" },
                ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
                ["baseline"] = new JsonObject { ["connection"] = "stub" },
                ["candidates"] = new JsonArray(new JsonObject { ["connection"] = "stub", ["model"] = "candidate-model" }),
                ["max_concurrency"] = Concurrency,
            });
        }

        // A warm-up run, so JIT and connection set-up are not charged to the measured runs.
        await WaitAsync(http, await StartAsync(http, "bench-suite-0"));
        PhaseSummary();

        var calls = (long)suites * rows * 2;
        var report = new StringBuilder();
        report.AppendLine("| mode | suites x rows x models | in flight | wall-clock | ideal | ratio | target |");
        report.AppendLine("|---|---|---|---|---|---|---|");

        var before = model.Calls;
        var started = Stopwatch.GetTimestamp();
        for (var p = 0; p < suites; p++) await WaitAsync(http, await StartAsync(http, $"bench-suite-{p}"));
        var sequential = Stopwatch.GetElapsedTime(started);
        Console.WriteLine("sequential: " + PhaseSummary());
        Check(model.Calls - before, calls);
        var sequentialIdeal = TimeSpan.FromMilliseconds(calls * Latency.TotalMilliseconds / Concurrency);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| sequential | {suites} x {rows} x 2 | {Concurrency} | {sequential.TotalSeconds:F2} s | {sequentialIdeal.TotalSeconds:F2} s | {sequential / sequentialIdeal:F2}x | <= 1.3x |");

        before = model.Calls;
        started = Stopwatch.GetTimestamp();
        var ids = await Task.WhenAll(Enumerable.Range(0, suites).Select(p => StartAsync(http, $"bench-suite-{p}")));
        await Task.WhenAll(ids.Select(id => WaitAsync(http, id)));
        var concurrent = Stopwatch.GetElapsedTime(started);
        Console.WriteLine("concurrent: " + PhaseSummary());
        Check(model.Calls - before, calls);
        var concurrentIdeal = TimeSpan.FromMilliseconds(rows * 2 * Latency.TotalMilliseconds / Concurrency);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| concurrent | {suites} x {rows} x 2 | {suites * Concurrency} | {concurrent.TotalSeconds:F2} s | {concurrentIdeal.TotalSeconds:F2} s | {concurrent / concurrentIdeal:F2}x | |");

        Console.WriteLine();
        Console.WriteLine(report.ToString());
        var resultsDir = Path.Combine(AppContext.BaseDirectory, "results");
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "suites.md"), report.ToString());
        return 0;
    }

    private static readonly List<(double Prepare, double Experiments, double Finish, double CallP50)> Phases = [];

    /// <summary>Where a run's time went: creation to its first experiment starting, the experiments, and their end to the run's.</summary>
    private static async Task RecordPhasesAsync(HttpClient http, JsonObject run)
    {
        static DateTimeOffset At(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture);
        var ids = new[] { run["baseline"]!["experiment_id"]!.GetValue<string>() }.Concat(run["candidates"]!.AsArray().Select(c => c!["experiment_id"]!.GetValue<string>()));
        var experiments = await Task.WhenAll(ids.Select(async e => (await http.GetFromJsonAsync<JsonObject>($"/api/experiments/{e}"))!));
        var first = experiments.Min(e => At(e["started_at"]));
        var last = experiments.Max(e => At(e["completed_at"]));
        var callP50 = experiments.Average(e => e["aggregates"]!["latency_ms"]!["p50"]!.GetValue<double>());
        lock (Phases) Phases.Add(((first - At(run["created_at"])).TotalMilliseconds, (last - first).TotalMilliseconds, (At(run["completed_at"]) - last).TotalMilliseconds, callP50));
    }

    private static string PhaseSummary()
    {
        lock (Phases)
        {
            var summary = $"per run, mean: created -> first experiment running {Phases.Average(p => p.Prepare):F0} ms, experiments {Phases.Average(p => p.Experiments):F0} ms, last experiment done -> run completed {Phases.Average(p => p.Finish):F0} ms, model call p50 {Phases.Average(p => p.CallP50):F0} ms ({Phases.Count} runs)";
            Phases.Clear();
            return summary;
        }
    }

    private static void Check(long seen, long expected)
    {
        if (seen != expected) throw new InvalidOperationException($"expected {expected} model calls, saw {seen}");
    }

    private static async Task<string> StartAsync(HttpClient http, string suite) =>
        (await Send(http, HttpMethod.Post, $"/api/suites/{suite}/runs", null))["id"]!.GetValue<string>();

    private static async Task WaitAsync(HttpClient http, string id)
    {
        while (true)
        {
            var run = (await http.GetFromJsonAsync<JsonObject>($"/api/suite-runs/{id}"))!;
            var status = run["status"]!.GetValue<string>();
            if (status == "completed")
            {
                if (run["verdict"]!.GetValue<string>() != "non_inferior") throw new InvalidOperationException($"run {id}: expected non_inferior, got {run["verdict"]}");
                await RecordPhasesAsync(http, run);
                return;
            }
            if (status == "failed") throw new InvalidOperationException($"run {id} failed: {run["error"]}");
            await Task.Delay(25);
        }
    }

    private static async Task<JsonObject> Send(HttpClient http, HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
