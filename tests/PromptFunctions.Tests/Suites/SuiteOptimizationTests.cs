using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Optimization;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Suites;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Suites;

/// <summary>
/// A suite's <c>optimize_on_regression</c> on both hosts: a regressed run starts exactly one optimization run, with
/// the version and dataset version it tested, however often the host's starter passes; other verdicts start none;
/// bad options are refused when the suite is saved.
/// </summary>
public sealed class SuiteOptimizationTests
{
    private const int Rows = 60;

    /// <summary>The baseline echoes; "candidate-bad" answers wrong on every third question (20 of 60): clearly regressed.</summary>
    private static StubReply Models(StubRequest request)
    {
        if (request.Model == "candidate-bad" && SuiteTestHost.Question(request) is var i and >= 0 && i % 3 == 0) return StubReply.Text("wrong");
        return StubModelServer.DefaultResponder(request);
    }

    private static JsonObject Option() => new()
    {
        ["optimizer"] = new JsonObject { ["connection"] = "stub" },
        ["budget"] = new JsonObject { ["max_rounds"] = 1, ["max_model_calls"] = 200 },
        ["validation"] = new JsonObject { ["fraction"] = 0.3, ["seed"] = 7 },
        ["candidates_per_round"] = 1,
    };

    private static JsonObject Suite(string candidate)
    {
        var definition = SuiteTestHost.Definition("qa", "questions", candidate);
        definition["optimize_on_regression"] = Option();
        return definition;
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_regressed_run_starts_one_optimization_from_the_version_it_tested_and_repeated_passes_start_no_second(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        await host.SeedAsync("qa", "questions", Rows);
        var put = await host.PutSuiteAsync("regress", Suite("candidate-bad"));
        Assert.True(put.Status == 201, put.ToString());
        Assert.Equal("stub", put.Json["optimize_on_regression"]!["optimizer"]!["connection"]!.GetValue<string>());
        Assert.Equal(200, (await host.PutSuiteAsync("regress", Suite("candidate-bad"), new Dictionary<string, string> { ["If-Match"] = put.Header("ETag")! })).Status);

        var runId = await host.StartRunAsync("regress");
        var run = await host.WaitRunAsync(runId);
        Assert.Equal("regressed", run["verdict"]!.GetValue<string>());
        if (kind == Drivers.Functions)
        {
            // No timer fires in this test host, so the start stays owed, in storage, until a tick makes it.
            Assert.Equal("pending", run["optimization"]!["status"]!.GetValue<string>());
            Assert.Equal(0, await CountOptimizationsAsync(host));
        }

        var optimization = await WaitStartedAsync(host, kind, runId);
        var id = optimization["id"]!.GetValue<string>();

        // Ticks fired twice, concurrent passes of the starter, and the starter asked again with the run's key: one run.
        var launcher = host.Api.Services.GetRequiredService<SuiteOptimizationLauncher>();
        var durable = host.Api.Services.GetRequiredService<DurableTaskClient>();
        await HostPassAsync(host, kind);
        await Task.WhenAll(launcher.StartPendingAsync(durable, CancellationToken.None), launcher.StartPendingAsync(durable, CancellationToken.None), HostPassAsync(host, kind));
        var again = await host.Api.Services.GetRequiredService<IOptimizationStarter>().StartAsync(
            new JsonObject(), SuiteOptimizationLauncher.IdempotencyKey(runId), "suite:regress", durable, CancellationToken.None);
        Assert.Equal(id, Assert.IsType<OptimizationStart.AlreadyStarted>(again).Record.Id);
        Assert.Equal(1, await CountOptimizationsAsync(host));
        Assert.Equal(optimization.ToJsonString(), (await host.Api.GetAsync($"/api/suite-runs/{runId}")).Json["optimization"]!.ToJsonString());

        var started = (await host.Api.GetAsync($"/api/optimizations/{id}")).Json;
        Assert.Equal("suite:regress", started["created_by"]!.GetValue<string>());
        Assert.Equal(run["prompt"]!["version"]!.GetValue<string>(), started["prompt"]!["version"]!.GetValue<string>());
        Assert.Equal(run["dataset"]!["version"]!.GetValue<string>(), started["dataset"]!["version"]!.GetValue<string>());
        Assert.Equal("stub", started["model"]!["connection"]!.GetValue<string>());
        Assert.Equal(run["baseline"]!["model"]!.GetValue<string>(), started["model"]!["model"]!.GetValue<string>());
        Assert.Equal("exact_match", started["evaluators"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("candidate", started["target_tag"]!.GetValue<string>());
        Assert.Equal(1, started["budget"]!["max_rounds"]!.GetValue<int>());
        Assert.Equal(Rows, started["dataset"]!["train"]!.GetValue<int>() + started["dataset"]!["validation"]!.GetValue<int>());

        // Let it finish, so nothing of it runs while the host goes away.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await host.Api.GetAsync($"/api/optimizations/{id}")).Json["status"]!.GetValue<string>() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline, "the optimization never finished");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_start_owed_by_a_host_that_never_made_it_is_made_by_another_host_on_the_same_storage()
    {
        // The Functions host completes the run but its timer never fires: as if it died right after the verdict.
        await using var first = await SuiteTestHost.StartAsync(Drivers.Functions, Models);
        await first.SeedAsync("qa", "questions", Rows);
        Assert.Equal(201, (await first.PutSuiteAsync("regress", Suite("candidate-bad"))).Status);
        var runId = await first.StartRunAsync("regress");
        Assert.Equal("pending", (await first.WaitRunAsync(runId))["optimization"]!["status"]!.GetValue<string>());

        await using var second = await Drivers.StartAsync(Drivers.LocalHost, new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = first.Model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
            ["Experiments:DefaultConnection"] = "stub",
            ["Suites:SchedulerEnabled"] = "false",
        }, storage: first.Api.Storage);

        // The local host's start service makes the owed start when it starts, with nothing signalled in its process.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonObject? optimization;
        while ((optimization = (await second.GetAsync($"/api/suite-runs/{runId}")).Json["optimization"]!.AsObject())["status"]!.GetValue<string>() == "pending")
        {
            Assert.True(DateTime.UtcNow < deadline, "the second host never made the owed start");
            await Task.Delay(100);
        }
        Assert.Equal("started", optimization["status"]!.GetValue<string>());
        var id = optimization["id"]!.GetValue<string>();
        Assert.Equal("suite:regress", (await second.GetAsync($"/api/optimizations/{id}")).Json["created_by"]!.GetValue<string>());

        // The first host's timer, late: the start is made, nothing more happens.
        await HostPassAsync(first, Drivers.Functions);
        Assert.Equal(1, await CountOptimizationsAsync(first));
        Assert.Equal(id, (await first.Api.GetAsync($"/api/suite-runs/{runId}")).Json["optimization"]!["id"]!.GetValue<string>());
        while ((await second.GetAsync($"/api/optimizations/{id}")).Json["status"]!.GetValue<string>() is "queued" or "running")
        {
            Assert.True(DateTime.UtcNow < deadline.AddSeconds(60), "the optimization never finished");
            await Task.Delay(200);
        }
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_run_that_does_not_regress_starts_no_optimization(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        await host.SeedAsync("qa", "questions", Rows);
        Assert.Equal(201, (await host.PutSuiteAsync("steady", Suite("stub-model"))).Status);

        var run = await host.WaitRunAsync(await host.StartRunAsync("steady"));

        Assert.Equal("non_inferior", run["verdict"]!.GetValue<string>());
        Assert.Null(run["optimization"]);
        await HostPassAsync(host, kind);
        Assert.Empty(await host.Api.Services.GetRequiredService<SuiteOptimizationLauncher>()
            .StartPendingAsync(host.Api.Services.GetRequiredService<DurableTaskClient>(), CancellationToken.None));
        Assert.Equal(0, await CountOptimizationsAsync(host));
    }

    public static TheoryData<string, string, string> BadOptions()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
        {
            data.Add(kind, """{"optimizer":{"connection":"nope"}}""", "$.optimize_on_regression.optimizer.connection");
            data.Add(kind, """{"target_tag":"production"}""", "$.optimize_on_regression.target_tag");
            data.Add(kind, """{"budget":{"max_rounds":0}}""", "$.optimize_on_regression.budget.max_rounds");
            data.Add(kind, """{"budget":{"max_model_calls":0}}""", "$.optimize_on_regression.budget.max_model_calls");
            data.Add(kind, """{"budget":{"max_model_calls":10}}""", "$.optimize_on_regression.budget.max_model_calls");
            data.Add(kind, """{"validation":"held-out"}""", "$.optimize_on_regression.validation.split");
            data.Add(kind, """{"validation":null}""", "$.optimize_on_regression.validation");
            data.Add(kind, """{"guard":{"name":"no-such-dataset"}}""", "$.optimize_on_regression.guard");
            data.Add(kind, """{"model":{"connection":"nope"}}""", "$.optimize_on_regression.model.connection");
            data.Add(kind, """{"candidates_per_round":0}""", "$.optimize_on_regression.candidates_per_round");
            data.Add(kind, """{"prompt":{"name":"qa","tag":"staging"}}""", "$.optimize_on_regression.prompt");
            data.Add(kind, """{"owner":"me"}""", "$.optimize_on_regression.owner");
            data.Add(kind, "not-an-object", "$.optimize_on_regression");
        }
        return data;
    }

    [Theory, MemberData(nameof(BadOptions))]
    public async Task Bad_options_answer_a_problem_with_the_path_and_store_nothing(string kind, string change, string path)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        await host.SeedAsync("qa", "questions", 20);
        var good = Suite("candidate-bad");
        Assert.Equal(201, (await host.PutSuiteAsync("kept", good)).Status);
        var bad = (JsonObject)good.DeepClone();
        if (change == "not-an-object")
        {
            bad["optimize_on_regression"] = "yes";
        }
        else
        {
            var option = bad["optimize_on_regression"]!.AsObject();
            foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
            {
                if (value is null) option.Remove(key);
                else if (value is JsonObject inner && option[key] is JsonObject existing) foreach (var (k, v) in inner) existing[k] = v?.DeepClone();
                else option[key] = value.DeepClone();
            }
        }
        var before = await host.Api.Storage.SnapshotAsync();

        var created = await host.PutSuiteAsync("bad", bad);
        var replaced = await host.PutSuiteAsync("kept", bad);

        foreach (var response in new[] { created, replaced })
        {
            Assert.Equal(422, response.Status);
            Assert.StartsWith("application/problem+json", response.ContentType);
            Assert.True(response.Json["errors"]!.AsArray().Any(e => e!["path"]!.GetValue<string>() == path), response.ToString());
        }
        Assert.Equal(before, await host.Api.Storage.SnapshotAsync());
    }

    /// <summary>What the host does on its own to make pending starts: the Functions timer trigger, or one pass like the local host's start service.</summary>
    private static async Task HostPassAsync(SuiteTestHost host, string kind)
    {
        var services = host.Api.Services;
        var durable = services.GetRequiredService<DurableTaskClient>();
        if (kind == Drivers.Functions)
            await ActivatorUtilities.CreateInstance<SuiteTriggers>(services).Tick(new TimerInfo(), durable, CancellationToken.None);
        else
            await services.GetRequiredService<SuiteOptimizationLauncher>().StartPendingAsync(durable, CancellationToken.None);
    }

    /// <summary>Polls the run until its optimization is started; the Functions host is ticked as its timer would be, the local host starts it by itself.</summary>
    private static async Task<JsonObject> WaitStartedAsync(SuiteTestHost host, string kind, string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (kind == Drivers.Functions) await HostPassAsync(host, kind);
            var run = (await host.Api.GetAsync($"/api/suite-runs/{runId}")).Json;
            if (run["optimization"] is JsonObject { } optimization && optimization["status"]!.GetValue<string>() != "pending")
            {
                Assert.Equal("started", optimization["status"]!.GetValue<string>());
                return optimization;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the optimization of run {runId} never started: {run.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Optimization runs stored by this host (each test host has its own tables).</summary>
    private static async Task<int> CountOptimizationsAsync(SuiteTestHost host)
    {
        var services = host.Api.Services;
        var table = services.GetRequiredService<StorageClients>().TableService.GetTableClient(services.GetRequiredService<IOptions<OptimizationOptions>>().Value.Table);
        var count = 0;
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {"run"}"), select: ["PartitionKey"])) count++;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // No run ever created the table.
        }
        return count;
    }
}
