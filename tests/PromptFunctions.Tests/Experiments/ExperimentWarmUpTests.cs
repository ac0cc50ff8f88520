using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Models;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

public sealed class ExperimentWarmUpTests
{
    [Fact]
    public async Task The_local_host_warms_up_at_start_and_leaves_nothing_stored_or_scheduled()
    {
        await using var host = await ExperimentTestHost.StartAsync(Drivers.LocalHost, settings: new Dictionary<string, string?> { ["Experiments:WarmUpAtStart"] = "true" });
        var driver = (LocalHostDriver)host.Api;

        var table = new TableClient(driver.Storage.ConnectionString, driver.Storage.ExperimentsTable);
        var left = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"])) left.Add($"{entity.PartitionKey}/{entity.RowKey}");
        Assert.Empty(left);
        var listed = await host.Api.GetAsync("/api/experiments");
        Assert.Empty(listed.Json["data"]!.AsArray());

        var durable = driver.Services.GetRequiredService<DurableTaskClient>();
        var instances = new List<string>();
        await foreach (var instance in durable.GetAllInstancesAsync()) instances.Add(instance.InstanceId);
        Assert.DoesNotContain(instances, id => id.StartsWith(ExperimentEngineWarmUp.InstancePrefix, StringComparison.Ordinal));

        // The warm-up must not change how a first experiment runs.
        await host.Api.CreateVersionAsync("warm", new JsonObject { ["template"] = "echo: {{q}}" });
        await host.UploadAsync("warm-rows", Enumerable.Range(0, 30).Select(i => new JsonObject { ["input"] = new JsonObject { ["q"] = $"{i}" }, ["expected"] = $"{i}" }));
        var id = (await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "warm" },
            ["dataset"] = new JsonObject { ["name"] = "warm-rows" },
            ["model"] = new JsonObject { ["connection"] = "stub" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            ["max_concurrency"] = 50,
        }))["id"]!.GetValue<string>();
        var done = await host.WaitAsync(id);
        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(30, (await host.RowsAsync(id)).Count);
        Assert.Equal(1.0, done["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>());
    }

    [Fact]
    public async Task The_warm_up_reads_the_stored_prompt_and_dataset_and_answers_every_connection_in_process_changing_nothing()
    {
        // Two providers whose requests would leave the machine, beside the stub: the warm-up sends every connection's
        // requests to its own loopback endpoint, so a call that reached out would fail it (and return null).
        await using var host = await ExperimentTestHost.StartAsync(Drivers.LocalHost, settings: new Dictionary<string, string?>
        {
            ["Models:openai:Provider"] = "openai",
            ["Models:openai:ApiKey"] = "sk-warm-up-test",
            ["Models:openai:Model"] = "gpt-4o-mini",
            ["Models:azure:Provider"] = "azure-openai",
            ["Models:azure:Endpoint"] = "https://warm-up-test.openai.azure.com",
            ["Models:azure:ApiKey"] = "azure-warm-up-test",
            ["Models:azure:Model"] = "deployment",
        });
        var driver = (LocalHostDriver)host.Api;
        await host.Api.CreateVersionAsync("warm", new JsonObject { ["template"] = "echo: {{q}}" });
        await host.UploadAsync("warm-rows", Enumerable.Range(0, 3).Select(i => new JsonObject { ["input"] = new JsonObject { ["q"] = $"{i}" }, ["expected"] = $"{i}" }));
        var promptBefore = (await host.Api.GetAsync("/api/prompts/warm")).Json.ToJsonString();
        var datasetBefore = (await host.Api.GetAsync("/api/datasets/warm-rows")).Json.ToJsonString();

        var result = await driver.Services.GetRequiredService<ExperimentWarmUp>().WarmAsync(CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal("warm", result.Prompt);
        Assert.Equal("warm-rows", result.Dataset);
        Assert.Equal(3 * ExperimentWarmUp.ConcurrentModelRequests, result.CannedModelResponses);
        Assert.Equal(0, host.Model.Calls);
        Assert.Equal(promptBefore, (await host.Api.GetAsync("/api/prompts/warm")).Json.ToJsonString());
        Assert.Equal(datasetBefore, (await host.Api.GetAsync("/api/datasets/warm-rows")).Json.ToJsonString());
        var table = new TableClient(driver.Storage.ConnectionString, driver.Storage.ExperimentsTable);
        var left = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"])) left.Add($"{entity.PartitionKey}/{entity.RowKey}");
        Assert.Empty(left);
        Assert.Empty((await host.Api.GetAsync("/api/experiments")).Json["data"]!.AsArray());
    }

    [Fact]
    public async Task The_engine_warm_up_purges_warm_ups_that_ended_unpurged()
    {
        await using var host = await ExperimentTestHost.StartAsync(Drivers.LocalHost, settings: new Dictionary<string, string?>());
        var durable = ((LocalHostDriver)host.Api).Services.GetRequiredService<DurableTaskClient>();
        // What an older build leaves when its limit expires before the purge: a warm-up instance whose input no longer
        // deserializes, so it fails.
        var leftover = ExperimentEngineWarmUp.InstancePrefix + "leftover";
        await durable.ScheduleNewOrchestrationInstanceAsync(nameof(WarmUpOrchestrator), true, new Microsoft.DurableTask.StartOrchestrationOptions(InstanceId: leftover));
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            Assert.Equal(OrchestrationRuntimeStatus.Failed, (await durable.WaitForInstanceCompletionAsync(leftover, wait.Token)).RuntimeStatus);

        await ((LocalHostDriver)host.Api).Services.GetRequiredService<ExperimentEngineWarmUp>().RunAsync(durable, warmRows: false, CancellationToken.None);

        Assert.Null(await durable.GetInstanceAsync(leftover));
        var instances = new List<string>();
        await foreach (var instance in durable.GetAllInstancesAsync()) instances.Add(instance.InstanceId);
        Assert.DoesNotContain(instances, id => id.StartsWith(ExperimentEngineWarmUp.InstancePrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_canned_completion_endpoint_answers_keep_alive_requests_and_closes_what_it_cannot_read()
    {
        await using var server = new CannedCompletionServer();
        using var http = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.PostAsync(new Uri(server.Endpoint, "chat/completions"), new StringContent("""{"model":"m","messages":[]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("1", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        }
        Assert.Equal(3, server.Answered);

        // A chunked body is a framing it does not read: the connection is closed, nothing is answered.
        using var chunked = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Endpoint, "chat/completions"))
        {
            Content = new StreamContent(new MemoryStream("{}"u8.ToArray())),
        };
        chunked.Headers.TransferEncodingChunked = true;
        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(chunked));
        Assert.Equal(3, server.Answered);

        // Raw requests it must not answer either: a length over its limit, a length given twice, chunked after a length.
        foreach (var head in new[]
        {
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483647\r\n\r\n",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        })
        {
            using var raw = new System.Net.Sockets.TcpClient();
            await raw.ConnectAsync(server.Endpoint.Host, server.Endpoint.Port);
            var stream = raw.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
            using var closed = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.Equal(0, await stream.ReadAsync(new byte[64], closed.Token));
        }
        Assert.Equal(3, server.Answered);
    }

    /// <summary>
    /// On the real host the warm-up is a timer function that runs when the host starts (RunOnStartup), starts the
    /// warm-up orchestration through its Durable client, waits for it and purges it. Its own host (the shared one runs
    /// with the warm-up off, as every test host does), so the long-wait category.
    /// </summary>
    [Fact, Trait("Category", CrashScenario.LongWait)]
    public async Task The_functions_host_warms_up_at_start_and_leaves_nothing_stored_or_scheduled()
    {
        await using var model = await StubModelServer.StartAsync();
        var settings = FunctionsHostDriver.StubModelSettings(model.Endpoint);
        settings["Experiments:WarmUpAtStart"] = "true";
        settings["AzureFunctionsJobHost:logging:logLevel:Function.WarmUpExperimentEngine"] = "Information";
        settings["AzureFunctionsJobHost:logging:logLevel:Function.WarmUpActivity"] = "Information";
        await using var host = await FunctionsHostDriver.StartAsync(settings);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!host.Host.Log().Contains("Executed 'Functions.WarmUpExperimentEngine' (Succeeded", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the warm-up did not finish within 60 s:\n" + host.Host.LogTail());
            await Task.Delay(200);
        }
        var log = host.Host.Log();
        Assert.Contains("Executed 'Functions.WarmUpActivity' (Succeeded", log, StringComparison.Ordinal);
        Assert.DoesNotContain("warm-up did not finish", log, StringComparison.Ordinal);
        Assert.DoesNotContain("warm-up failed", log, StringComparison.Ordinal);
        Assert.Equal(0, model.Calls);

        // Nothing of it in the app's tables nor in the task hub's (the instance and its history were purged).
        var service = new TableServiceClient(host.Storage.ConnectionString);
        var left = new List<string>();
        await foreach (var table in service.QueryAsync())
        {
            var client = service.GetTableClient(table.Name);
            await foreach (var entity in client.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                if (table.Name == host.Storage.ExperimentsTable || entity.PartitionKey.StartsWith(ExperimentEngineWarmUp.InstancePrefix, StringComparison.Ordinal))
                    left.Add($"{table.Name}: {entity.PartitionKey}/{entity.RowKey}");
            }
        }
        Assert.Empty(left);
        Assert.Empty((await host.GetAsync("/api/experiments")).Json["data"]!.AsArray());
    }

    [Fact]
    public void Scores_are_stored_as_the_same_json_text_as_before()
    {
        EvaluatorScore[] scores =
        [
            new("exact_match", "exact_match", 1, true, null, null),
            new("judge \"quoted\"", "llm_judge", 0.25, false, "Ünïcødé <b>&</b> 'x' \n\t\u0001 😀", null),
            new("(evaluators)", "error", null, null, null, "boom"),
            new("big", "score", 1e-7, null, "", ""),
        ];
        var expected = new JsonArray(scores.Select(s => (JsonNode?)new JsonObject
        {
            ["name"] = s.Name,
            ["type"] = s.Type,
            ["score"] = s.Score,
            ["passed"] = s.Passed,
            ["explanation"] = s.Explanation,
            ["error"] = s.Error,
        }).ToArray()).ToJsonString();
        Assert.Equal(expected, ExperimentEngine.ScoresJson(scores));
        Assert.Equal("[]", ExperimentEngine.ScoresJson([]));
    }
}
