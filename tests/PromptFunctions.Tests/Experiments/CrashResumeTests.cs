using System.Diagnostics;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// The Functions host and its worker die by SIGKILL while experiments run on Durable Functions over Azure Storage,
/// and start again on the same storage: each experiment resumes where its history says and completes with every row
/// exactly once. Only the real Functions host has this failure mode (the in-process engines keep their state in
/// memory). How soon it resumes depends on the visibility timeouts, leases and polling set in host.json. Each class
/// crashes a host of its own, so the two run side by side; both mostly wait, which is why ./test.sh runs the
/// <see cref="LongWait"/> category in a test process of its own next to the others.
/// </summary>
public abstract class CrashScenario(ITestOutputHelper output)
{
    /// <summary>Trait value of tests that spend most of their time waiting (hosts starting, Durable timeouts lapsing).</summary>
    public const string LongWait = "LongWait";

    protected const int Rows = 2000;

    /// <summary>From the restart until the experiment is complete (host start included).</summary>
    protected static readonly TimeSpan ResumeBudget = TimeSpan.FromSeconds(90);

    protected ITestOutputHelper Output { get; } = output;

    private static JsonObject Example(int i) =>
        new() { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = i % 4 == 0 ? "wrong" : $"q{i}" };

    protected static JsonObject Request(string cache, int maxConcurrency = 20) => new()
    {
        ["prompt"] = ExperimentTestHost.Prompt("crash"),
        ["dataset"] = new JsonObject { ["name"] = "rows" },
        ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"},{"type":"contains","name":"has_q","value":"q"}]"""),
        ["max_concurrency"] = maxConcurrency,
        ["cache"] = cache,
    };

    protected static async Task<ExperimentTestHost> StartAsync()
    {
        // 2,000 rows at 20-50 in flight and 100 ms a call: 4-10 s of model time, long enough to be killed halfway.
        var host = await ExperimentTestHost.StartAsync(Drivers.FunctionsHost, latency: TimeSpan.FromMilliseconds(100), ownHost: true);
        await host.Api.CreateVersionAsync("crash", new JsonObject
        {
            ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        });
        await host.UploadAsync("rows", Enumerable.Range(0, Rows).Select(Example));
        return host;
    }

    /// <summary>Polls once a second until the experiment is final, noting the rows done at each poll (in the test output).</summary>
    protected async Task<JsonObject> WaitWithTimelineAsync(ExperimentTestHost host, string id, Stopwatch restarted)
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
            Output.WriteLine("rows done after the restart: " + string.Join(" ", timeline));
        }
    }

    protected static async Task AssertEveryRowOnceAsync(ExperimentTestHost host, string id, JsonObject done)
    {
        Assert.Equal(Rows, done["progress"]!["done"]!.GetValue<int>());
        var rows = await host.RowsAsync(id);
        Assert.Equal(Rows, rows.Count);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (long)i), rows.Select(r => r["index"]!.GetValue<long>()).Order());
        Assert.All(rows, r => Assert.Null(r["error"]));
    }

    protected static async Task<int> WaitForProgressAsync(ExperimentTestHost host, string id, int rows)
    {
        var state = await WaitForAsync(host, id, e => e["progress"]?["done"]?.GetValue<int>() >= rows, TimeSpan.FromMilliseconds(100));
        Assert.Equal("running", state["status"]!.GetValue<string>());
        return state["progress"]!["done"]!.GetValue<int>();
    }

    protected static async Task<JsonObject> WaitForAsync(ExperimentTestHost host, string id, Func<JsonObject, bool> condition, TimeSpan interval)
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

[Trait("Category", CrashScenario.LongWait)]
public sealed class CrashResumeTests(ITestOutputHelper output) : CrashScenario(output)
{
    [Fact]
    public async Task A_host_killed_mid_run_resumes_and_completes_every_row_exactly_once()
    {
        await using var host = await StartAsync();
        var api = (FunctionsHostDriver)host.Api;
        // Two lanes of 25 (batches of 250), so the 1,000 rows left after the crash run as two rounds of two batches
        // rather than five batches one after another: each batch pays two dispatch hops through the queues, which is
        // what stretched the rest of the run to 25 s on a loaded machine after the worst-case wait (the kill landing
        // while the orchestrator held a batch's result: 60 s of control-queue visibility), 92.7 s in all.
        var id = (await host.StartAsync(Request("record", maxConcurrency: 50)))["id"]!.GetValue<string>();
        var before = await WaitForProgressAsync(host, id, Rows / 2);

        var restarted = Stopwatch.StartNew();
        var startup = await api.CrashAndRestartAsync();
        var done = await WaitWithTimelineAsync(host, id, restarted);
        var resumed = restarted.Elapsed;
        Output.WriteLine($"killed at {before} of {Rows} rows; host start {startup.TotalSeconds:0.0} s; complete {resumed.TotalSeconds:0.0} s after the restart");

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.True(resumed < ResumeBudget, $"completed {resumed.TotalSeconds:0.0} s after the restart (host start {startup.TotalSeconds:0.0} s)");
        await AssertEveryRowOnceAsync(host, id, done);
        Assert.Equal(0, done["aggregates"]!["errors"]!.GetValue<int>());
        Assert.Equal(0.75, done["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);

        // The same data replayed from the recording, uninterrupted, aggregates the same.
        var replay = await host.WaitAsync((await host.StartAsync(Request("replay", maxConcurrency: 50)))["id"]!.GetValue<string>());
        Assert.Equal("completed", replay["status"]!.GetValue<string>());
        Assert.Equal(replay["aggregates"]!["evaluators"]!.ToJsonString(), done["aggregates"]!["evaluators"]!.ToJsonString());
    }
}

[Trait("Category", CrashScenario.LongWait)]
public sealed class CrashWhileFinalizingTests(ITestOutputHelper output) : CrashScenario(output)
{
    [Fact]
    public async Task A_cancel_sent_before_the_crash_holds_and_a_kill_while_finalizing_still_completes()
    {
        await using var host = await StartAsync();
        var api = (FunctionsHostDriver)host.Api;

        var cancelledId = (await host.StartAsync(Request("fresh")))["id"]!.GetValue<string>();
        await WaitForProgressAsync(host, cancelledId, 200);
        Assert.Equal(200, (await host.Api.SendAsync(HttpMethod.Post, $"/api/experiments/{cancelledId}/cancel", contentType: null)).Status);
        await WaitForAsync(host, cancelledId, e => e["status"]!.GetValue<string>() == "cancelled", TimeSpan.FromMilliseconds(100));

        // Killed when all rows are done and the orchestration finalizes (aggregates not yet written).
        var id = (await host.StartAsync(Request("fresh", maxConcurrency: 50)))["id"]!.GetValue<string>();
        var finalizing = await WaitForAsync(host, id,
            e => e["progress"]?["done"]?.GetValue<int>() == Rows || e["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled",
            TimeSpan.FromMilliseconds(20));
        Assert.Equal("running", finalizing["status"]!.GetValue<string>());

        // Rows whose model calls were already in flight when the cancel landed may still be written just after it;
        // by now (a whole 2,000-row experiment later) they are, so this is what the crash must not add to.
        var cancelled = (await host.Api.GetAsync($"/api/experiments/{cancelledId}")).Json;
        var restarted = Stopwatch.StartNew();
        var startup = await api.CrashAndRestartAsync();
        var done = await WaitWithTimelineAsync(host, id, restarted);
        Output.WriteLine($"killed while finalizing; host start {startup.TotalSeconds:0.0} s; complete {restarted.Elapsed.TotalSeconds:0.0} s after the restart");
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.True(restarted.Elapsed < ResumeBudget, $"completed {restarted.Elapsed.TotalSeconds:0.0} s after the restart (host start {startup.TotalSeconds:0.0} s)");
        await AssertEveryRowOnceAsync(host, id, done);
        Assert.Equal(0.75, done["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>(), 6);

        // Batches of the cancelled experiment that were in flight at the crash ran again after their visibility
        // timeout, found it cancelled and added nothing.
        var after = (await host.Api.GetAsync($"/api/experiments/{cancelledId}")).Json;
        Assert.Equal("cancelled", after["status"]!.GetValue<string>());
        Assert.Equal(cancelled["progress"]!.ToJsonString(), after["progress"]!.ToJsonString());
        Assert.True(after["progress"]!["done"]!.GetValue<int>() < Rows, after.ToJsonString());
    }
}
