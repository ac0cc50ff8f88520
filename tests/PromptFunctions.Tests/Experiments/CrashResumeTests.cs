using System.Diagnostics;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// The Functions host and its worker die by SIGKILL while an experiment runs on Durable Functions over Azure Storage,
/// and start again on the same storage: the experiment resumes where its history says and completes with every row
/// exactly once. Only the real Functions host has this failure mode (the in-process engines keep their state in
/// memory). How soon it resumes depends on the visibility timeouts, leases and polling set in host.json.
/// </summary>
public sealed class CrashResumeTests(ITestOutputHelper output)
{
    private const int Rows = 2000;

    /// <summary>From the restart until the experiment is complete (host start included).</summary>
    private static readonly TimeSpan ResumeBudget = TimeSpan.FromSeconds(90);

    private static JsonObject Example(int i) =>
        new() { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = i % 4 == 0 ? "wrong" : $"q{i}" };

    private static JsonObject Request(string cache, int maxConcurrency = 20) => new()
    {
        ["prompt"] = ExperimentTestHost.Prompt("crash"),
        ["dataset"] = new JsonObject { ["name"] = "rows" },
        ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"},{"type":"contains","name":"has_q","value":"q"}]"""),
        ["max_concurrency"] = maxConcurrency,
        ["cache"] = cache,
    };

    private static async Task<ExperimentTestHost> StartAsync()
    {
        // 2,000 rows at 20 in flight and 100 ms a call: about 10 s of model time, long enough to be killed halfway.
        var host = await ExperimentTestHost.StartAsync(Drivers.FunctionsHost, latency: TimeSpan.FromMilliseconds(100), ownHost: true);
        await host.Api.CreateVersionAsync("crash", new JsonObject
        {
            ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        });
        await host.UploadAsync("rows", Enumerable.Range(0, Rows).Select(Example));
        return host;
    }

    /// <summary>
    /// One crash covers three experiments at once (each crash costs a host start and the Durable timeouts): one
    /// killed mid-run, one killed while it finalizes, and one cancelled before the crash.
    /// </summary>
    [Fact]
    public async Task Experiments_killed_mid_run_or_while_finalizing_complete_every_row_once_and_a_cancel_holds()
    {
        await using var host = await StartAsync();
        var api = (FunctionsHostDriver)host.Api;

        var cancelledId = (await host.StartAsync(Request("fresh")))["id"]!.GetValue<string>();
        await WaitForProgressAsync(host, cancelledId, 200);
        Assert.Equal(200, (await host.Api.SendAsync(HttpMethod.Post, $"/api/experiments/{cancelledId}/cancel", contentType: null)).Status);
        var cancelled = await WaitForAsync(host, cancelledId, e => e["status"]!.GetValue<string>() == "cancelled", TimeSpan.FromMilliseconds(100));

        // The mid-run experiment records its model answers, for the uninterrupted replay below. The other, with
        // more calls in flight, reaches its last batch first: the crash comes when all its rows are done and it
        // is finalizing, while the first is still about halfway.
        var midRunId = (await host.StartAsync(Request("record")))["id"]!.GetValue<string>();
        var finalizingId = (await host.StartAsync(Request("fresh", maxConcurrency: 50)))["id"]!.GetValue<string>();
        var finalizing = await WaitForAsync(host, finalizingId,
            e => e["progress"]?["done"]?.GetValue<int>() == Rows || e["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled",
            TimeSpan.FromMilliseconds(20));
        Assert.Equal("running", finalizing["status"]!.GetValue<string>());
        var midRun = (await host.Api.GetAsync($"/api/experiments/{midRunId}")).Json;
        Assert.Equal("running", midRun["status"]!.GetValue<string>());
        Assert.True(midRun["progress"]!["done"]!.GetValue<int>() < Rows, midRun.ToJsonString());

        var restarted = Stopwatch.StartNew();
        var startup = await api.CrashAndRestartAsync();
        var midRunDone = await WaitWithTimelineAsync(host, midRunId, restarted);
        var finalizingDone = await WaitWithTimelineAsync(host, finalizingId, restarted);
        var resumed = restarted.Elapsed;
        output.WriteLine($"killed with {midRun["progress"]!["done"]} of {Rows} rows done (and the other finalizing); host start {startup.TotalSeconds:0.0} s; " +
            $"both complete {resumed.TotalSeconds:0.0} s after the restart");

        Assert.Equal("completed", midRunDone["status"]!.GetValue<string>());
        Assert.Equal("completed", finalizingDone["status"]!.GetValue<string>());
        Assert.True(resumed < ResumeBudget, $"completed {resumed.TotalSeconds:0.0} s after the restart (host start {startup.TotalSeconds:0.0} s)");
        await AssertEveryRowOnceAsync(host, midRunId, midRunDone);
        await AssertEveryRowOnceAsync(host, finalizingId, finalizingDone);
        Assert.Equal(0, midRunDone["aggregates"]!["errors"]!.GetValue<int>());
        Assert.Equal(0.75, midRunDone["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);
        Assert.Equal(midRunDone["aggregates"]!["evaluators"]!.ToJsonString(), finalizingDone["aggregates"]!["evaluators"]!.ToJsonString());

        // The same data replayed from the recording, uninterrupted, aggregates the same.
        var replay = await host.WaitAsync((await host.StartAsync(Request("replay")))["id"]!.GetValue<string>());
        Assert.Equal("completed", replay["status"]!.GetValue<string>());
        Assert.Equal(replay["aggregates"]!["evaluators"]!.ToJsonString(), midRunDone["aggregates"]!["evaluators"]!.ToJsonString());

        // Batches of the cancelled experiment that were in flight at the crash ran again after their visibility
        // timeout, found it cancelled and added nothing.
        var after = (await host.Api.GetAsync($"/api/experiments/{cancelledId}")).Json;
        Assert.Equal("cancelled", after["status"]!.GetValue<string>());
        Assert.Equal(cancelled["progress"]!.ToJsonString(), after["progress"]!.ToJsonString());
        Assert.True(after["progress"]!["done"]!.GetValue<int>() < Rows, after.ToJsonString());
    }

    /// <summary>Polls once a second until the experiment is final, noting the rows done at each poll (in the test output).</summary>
    private async Task<JsonObject> WaitWithTimelineAsync(ExperimentTestHost host, string id, Stopwatch restarted)
    {
        var timeline = new List<string>();
        try
        {
            while (true)
            {
                var experiment = (await host.Api.GetAsync($"/api/experiments/{id}")).Json.AsObject();
                timeline.Add($"{restarted.Elapsed.TotalSeconds:0}s:{experiment["progress"]?["done"]}");
                if (experiment["status"]!.GetValue<string>() != "running") return experiment;
                Assert.True(restarted.Elapsed < ResumeBudget + TimeSpan.FromSeconds(30), $"still running: {experiment}");
                await Task.Delay(1000);
            }
        }
        finally
        {
            output.WriteLine("rows done after the restart: " + string.Join(" ", timeline));
        }
    }

    private static async Task AssertEveryRowOnceAsync(ExperimentTestHost host, string id, JsonObject done)
    {
        Assert.Equal(Rows, done["progress"]!["done"]!.GetValue<int>());
        var rows = await host.RowsAsync(id);
        Assert.Equal(Rows, rows.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (long)i), rows.Select(r => r["index"]!.GetValue<long>()).Order());
        Assert.All(rows, r => Assert.Null(r["error"]));
    }

    private static async Task<int> WaitForProgressAsync(ExperimentTestHost host, string id, int rows)
    {
        var state = await WaitForAsync(host, id, e => e["progress"]?["done"]?.GetValue<int>() >= rows, TimeSpan.FromMilliseconds(100));
        Assert.Equal("running", state["status"]!.GetValue<string>());
        return state["progress"]!["done"]!.GetValue<int>();
    }

    private static async Task<JsonObject> WaitForAsync(ExperimentTestHost host, string id, Func<JsonObject, bool> condition, TimeSpan interval)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var experiment = (await host.Api.GetAsync($"/api/experiments/{id}")).Json.AsObject();
            if (condition(experiment)) return experiment;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), experiment.ToJsonString());
            await Task.Delay(interval);
        }
    }
}
