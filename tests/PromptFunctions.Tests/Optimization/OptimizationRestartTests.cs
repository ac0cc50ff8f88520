using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Optimization;

/// <summary>
/// A host stopped in the middle of a run resumes it, over the same storage, without paying twice. This runs on the
/// local host only: its in-process engine keeps orchestrations in memory, so a stopped host loses them and the run
/// must come back from its own checkpoint (OptimizationRecovery). Under Azure Functions the orchestration itself
/// survives in Durable Functions' storage and replays from its history; the in-process engine the tests use cannot
/// stand in for that, so the Functions driver has no equivalent of this test.
/// </summary>
public sealed class OptimizationRestartTests
{
    private static JsonObject Request(string prompt, string dataset) => new()
    {
        ["prompt"] = new JsonObject { ["name"] = prompt, ["tag"] = "production" },
        ["dataset"] = new JsonObject { ["name"] = dataset },
        ["evaluators"] = new JsonArray(new JsonObject { ["type"] = "exact_match" }),
        ["model"] = new JsonObject { ["connection"] = "stub" },
        ["optimizer"] = new JsonObject { ["connection"] = "stub", ["model"] = SupportRouting.OptimizerModel },
        ["budget"] = new JsonObject { ["max_rounds"] = 5, ["max_model_calls"] = 2000 },
        ["candidates_per_round"] = 1,
        ["validation"] = "validation",
    };

    private static async Task<(string Id, string Prompt)> StartAsync(IApiDriver api)
    {
        var dataset = Drivers.PromptName("tickets");
        var upload = await api.PostAsync($"/api/datasets/{dataset}/versions", new JsonObject { ["examples"] = new JsonArray(SupportRouting.Tickets().Select(t => (JsonNode?)t).ToArray()) });
        Assert.Equal(201, upload.Status);
        var prompt = Drivers.PromptName("routing");
        await api.CreateVersionAsync(prompt, SupportRouting.Version(), ["production"]);
        var started = await api.PostAsync("/api/optimizations", Request(prompt, dataset));
        Assert.True(started.Status == 202, started.ToString());
        return (started.Json["id"]!.GetValue<string>(), prompt);
    }

    [Fact]
    public async Task A_run_interrupted_by_a_host_restart_resumes_from_its_checkpoint_without_spending_twice()
    {
        // The same run without interruption, for reference.
        JsonObject reference;
        await using (var model = await StubModelServer.StartAsync(SupportRouting.Responder(OptimizerScript.TwoRulesPerRound)))
        await using (var host = await LocalHostDriver.StartAsync(OptimizationScenario.Settings(model.Endpoint)))
        {
            var (referenceId, _) = await StartAsync(host);
            reference = await OptimizationScenario.WaitAsync(host, referenceId);
        }
        Assert.Equal("improved", reference["outcome"]!.GetValue<string>());
        var referenceCalls = reference["spent"]!["model_calls"]!.GetValue<long>();
        var afterRoundOne = reference["rounds"]![0]!["spent"]!["model_calls"]!.GetValue<long>();
        Assert.True(reference["rounds"]!.AsArray().Count >= 2, "the reference run needs a second round to interrupt");

        // The interrupted run: once round 1 is recorded and round 2 has made ten calls, the stub stops answering and
        // the host is stopped with calls in flight; a new host over the same storage takes over.
        var answered = 0;
        var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StubModelServer? stub = null;
        var script = SupportRouting.Responder(OptimizerScript.TwoRulesPerRound);
        stub = await StubModelServer.StartAsync(request =>
        {
            var reply = script(request);
            if (Interlocked.Increment(ref answered) == afterRoundOne + 10)
            {
                stub!.Latency = TimeSpan.FromSeconds(60);
                interrupted.TrySetResult();
            }
            return reply;
        });
        await using var _ = stub;
        var settings = OptimizationScenario.Settings(stub.Endpoint);
        var storage = await TestStorage.CreateAsync();
        var first = await LocalHostDriver.StartAsync(settings, storage);
        string id, prompt;
        try
        {
            (id, prompt) = await StartAsync(first);
            await interrupted.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var before = await first.GetAsync($"/api/optimizations/{id}");
            Assert.Equal("running", before.Json["status"]!.GetValue<string>());
            Assert.Equal(1, before.Json["spent"]!["rounds"]!.GetValue<int>());
        }
        finally
        {
            await first.DisposeAsync();
        }
        var answeredBeforeRestart = Volatile.Read(ref answered);
        stub.Latency = TimeSpan.Zero;

        await using var second = await LocalHostDriver.StartAsync(settings, storage);
        var run = await OptimizationScenario.WaitAsync(second, id);

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.Equal(reference["outcome"]!.GetValue<string>(), run["outcome"]!.GetValue<string>());
        Assert.Equal(reference["stop_reason"]!.GetValue<string>(), run["stop_reason"]!.GetValue<string>());
        Assert.Equal(reference["rounds"]!.AsArray().Count, run["rounds"]!.AsArray().Count);
        Assert.Equal(reference["result"]!["round"]!.GetValue<int>(), run["result"]!["round"]!.GetValue<int>());
        // Counted exactly once: the resumed run's spend is the uninterrupted run's, and the calls the stub answered
        // exceed it only by rows that were answered but not yet stored when the host stopped (at most one per
        // concurrent row, Optimization:MaxConcurrency = 8).
        Assert.Equal(referenceCalls, run["spent"]!["model_calls"]!.GetValue<long>());
        var total = Volatile.Read(ref answered);
        Assert.True(total >= referenceCalls && total <= referenceCalls + 8, $"the stub answered {total} calls ({answeredBeforeRestart} before the restart) for a run that needs {referenceCalls}");
        var tagged = await second.GetAsync($"/api/prompts/{prompt}/tags/candidate");
        Assert.Equal(run["result"]!["version"]!.GetValue<string>(), tagged.Json["id"]!.GetValue<string>());
    }
}
