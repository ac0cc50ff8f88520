using System.Text.Json.Nodes;
using PromptFunctions.Core.Events;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Suites;

/// <summary>Suite runs end to end on both hosts: experiments on the in-process engine, the stub model over HTTP.</summary>
public sealed class SuiteRunTests
{
    /// <summary>The baseline echoes; "candidate-bad" answers wrong on 3 rows in 20 (15 %); any other model echoes.</summary>
    internal static StubReply Models(StubRequest request)
    {
        var i = SuiteTestHost.Question(request);
        if (request.Model == "candidate-bad" && i % 20 < 3) return StubReply.Text("wrong");
        if (request.Model == "candidate-slightly-off" && i is 4 or 19) return StubReply.Text("wrong");
        return StubModelServer.DefaultResponder(request);
    }

    // On the Functions host too (the shared one, so the names are the test's own): the run's sub-orchestrations on
    // Durable Functions over Azure Storage; the events it publishes are checked on the hosts in this process.
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_candidate_wrong_on_15_percent_of_400_rows_regresses_and_an_equal_one_is_non_inferior(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        var (prompt, dataset, suite) = (Drivers.PromptName("qa"), Drivers.PromptName("questions"), Drivers.PromptName("nightly"));
        await host.SeedAsync(prompt, dataset, 400);
        var put = await host.PutSuiteAsync(suite, SuiteTestHost.Definition(prompt, dataset, "candidate-bad", "stub-model"));
        Assert.Equal(201, put.Status);

        var runId = await host.StartRunAsync(suite);
        var run = await host.WaitRunAsync(runId);

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.Equal("regressed", run["verdict"]!.GetValue<string>());
        var verdicts = run["verdicts"]!.AsArray();
        var bad = verdicts[0]!["evaluators"]![0]!;
        Assert.Equal("regressed", bad["verdict"]!.GetValue<string>());
        Assert.Equal(-0.15, bad["difference"]!.GetValue<double>(), 6);
        Assert.Equal("candidate-bad", verdicts[0]!["model"]!["model"]!.GetValue<string>());
        Assert.Equal("non_inferior", verdicts[1]!["verdict"]!.GetValue<string>());
        Assert.Equal(0, verdicts[1]!["evaluators"]![0]!["difference"]!.GetValue<double>());

        // The tag was resolved once and recorded; each model ran as an experiment on the same dataset version.
        var tag = await host.Api.GetAsync($"/api/prompts/{prompt}/tags/production");
        Assert.Equal(tag.Json["id"]!.GetValue<string>(), run["prompt"]!["version"]!.GetValue<string>());
        Assert.Equal(400, run["dataset"]!["examples"]!.GetValue<int>());
        foreach (var experimentId in new[] { run["baseline"]!["experiment_id"]! }.Concat(run["candidates"]!.AsArray().Select(c => c!["experiment_id"]!)))
        {
            var experiment = await host.Api.GetAsync($"/api/experiments/{experimentId}");
            Assert.Equal("completed", experiment.Json["status"]!.GetValue<string>());
            Assert.Equal(run["dataset"]!["version"]!.GetValue<string>(), experiment.Json["dataset"]!["version"]!.GetValue<string>());
        }
        Assert.Equal(1200, host.Model.Calls);

        var runs = await host.Api.GetAsync($"/api/suites/{suite}/runs");
        Assert.Equal(runId, Assert.Single(runs.Json["data"]!.AsArray())!["id"]!.GetValue<string>());
        if (!host.RecordsEvents) return;

        var completed = host.Events.Occurrences(EventTypes.SuiteRunCompleted);
        Assert.Equal($"suite-run/{runId}/completed", Assert.Single(completed).Key);
        var regression = Assert.Single(host.Events.Occurrences(EventTypes.RegressionDetected));
        Assert.Equal($"suite-run/{runId}/regression", regression.Key);
        Assert.Equal(suite, regression.Data["suite"]!.GetValue<string>());
        var blamed = Assert.Single(regression.Data["regressions"]!.AsArray());
        Assert.Equal("candidate-bad", blamed!["model"]!.GetValue<string>());
        Assert.Equal("exact_match", blamed["evaluator"]!.GetValue<string>());
        // One of each, however often the orchestration replayed (other features' events are theirs to test).
        Assert.Equal(2, host.Events.Published.Count(p => p.Type is EventTypes.SuiteRunCompleted or EventTypes.RegressionDetected));
    }

    // Not on the Functions host: it publishes events or needs a clock or setting of its own, which the worker process
    // cannot take; a whole suite run goes through the real host in the first test.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Thirty_rows_with_a_small_difference_are_inconclusive_with_the_detectable_effect(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        await host.SeedAsync("qa", "questions", 30);
        await host.PutSuiteAsync("small", SuiteTestHost.Definition("qa", "questions", "candidate-slightly-off"));

        var run = await host.WaitRunAsync(await host.StartRunAsync("small"));

        Assert.Equal("inconclusive", run["verdict"]!.GetValue<string>());
        var acc = run["verdicts"]![0]!["evaluators"]![0]!;
        Assert.Equal("inconclusive", acc["verdict"]!.GetValue<string>());
        Assert.InRange(acc["minimum_detectable_effect"]!.GetValue<double>(), 0.08, 0.2);
        Assert.True(acc["interval_lower"]!.GetValue<double>() < -0.02);
        Assert.Empty(host.Events.Occurrences(EventTypes.RegressionDetected));
        Assert.Single(host.Events.Occurrences(EventTypes.SuiteRunCompleted));
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_baseline_whose_provider_changes_answers_between_runs_is_reported_as_drift(string kind)
    {
        var changed = false;
        StubReply Provider(StubRequest request)
        {
            var i = SuiteTestHost.Question(request);
            // Same model name, different answers on 2 rows in 5 once the provider "updated" it.
            if (Volatile.Read(ref changed) && request.Model == "stub-model" && i % 5 < 2) return StubReply.Text($"q{i}.");
            return StubModelServer.DefaultResponder(request);
        }
        await using var host = await SuiteTestHost.StartAsync(kind, Provider);
        await host.SeedAsync("qa", "questions", 50);
        await host.PutSuiteAsync("watch", SuiteTestHost.Definition("qa", "questions", "other-model"));

        var first = await host.WaitRunAsync(await host.StartRunAsync("watch"));
        Assert.False(first["drift"]!["compared"]!.GetValue<bool>());
        Assert.False(first["drift"]!["detected"]!.GetValue<bool>());

        var unchanged = await host.WaitRunAsync(await host.StartRunAsync("watch"));
        Assert.True(unchanged["drift"]!["compared"]!.GetValue<bool>());
        Assert.False(unchanged["drift"]!["detected"]!.GetValue<bool>(), unchanged["drift"]!.ToJsonString());
        Assert.Equal(0, unchanged["drift"]!["changed_outputs"]!.GetValue<int>());

        Volatile.Write(ref changed, true);
        var drifted = await host.WaitRunAsync(await host.StartRunAsync("watch"));
        var drift = drifted["drift"]!;
        Assert.True(drift["detected"]!.GetValue<bool>(), drift.ToJsonString());
        Assert.Equal(unchanged["id"]!.GetValue<string>(), drift["previous_run"]!.GetValue<string>());
        Assert.Equal(50, drift["rows"]!.GetValue<int>());
        Assert.Equal(20, drift["changed_outputs"]!.GetValue<int>());
        Assert.Equal("regressed", drift["evaluators"]![0]!["change"]!.GetValue<string>());
        Assert.True(host.Events.Occurrences(EventTypes.SuiteRunCompleted).Single(e => e.Key.Contains(drifted["id"]!.GetValue<string>()))
            .Data["drift_detected"]!.GetValue<bool>());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_run_whose_tag_was_deleted_since_the_suite_was_saved_fails_with_the_reason(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind, Models);
        await host.SeedAsync("qa", "questions", 5);
        await host.PutSuiteAsync("gone", SuiteTestHost.Definition("qa", "questions", "other-model"));
        Assert.Equal(204, (await host.Api.DeleteAsync("/api/prompts/qa/tags/production")).Status);

        var run = await host.WaitRunAsync(await host.StartRunAsync("gone"));

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Contains("has no tag 'production'", run["error"]!.GetValue<string>());
        Assert.Null(run["verdict"]);
        Assert.Equal("failed", Assert.Single(host.Events.Occurrences(EventTypes.SuiteRunCompleted)).Data["status"]!.GetValue<string>());
    }
}
