using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Optimization;

/// <summary>The optimization loop end to end on both hosts, with the scripted ticket-routing task (<see cref="SupportRouting"/>).</summary>
public sealed class OptimizationLoopTests
{
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Learns_the_rules_from_failures_and_saves_the_winner_with_its_lineage(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules);

        var started = await scenario.StartAsync(scenario.Request());
        var id = started["id"]!.GetValue<string>();
        Assert.Equal("queued", started["status"]!.GetValue<string>());
        var run = await scenario.WaitAsync(id);

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.Equal("improved", run["outcome"]!.GetValue<string>());
        var comparison = run["comparison"]!;
        Assert.Equal(0.2, OptimizationScenario.Rate(comparison["baseline_validation"]), 3);
        Assert.True(OptimizationScenario.Rate(comparison["candidate_validation"]) >= 0.9, comparison.ToJsonString());
        Assert.Equal("improved", comparison["validation"]![0]!["verdict"]!.GetValue<string>());
        Assert.Equal(20, run["dataset"]!["validation"]!.GetValue<int>());
        Assert.Equal(40, run["dataset"]!["train"]!.GetValue<int>());

        // Every model call of the run, task and optimizer, is counted, and the budget holds.
        var spent = run["spent"]!;
        Assert.Equal(scenario.Model.Calls, spent["model_calls"]!.GetValue<long>());
        Assert.True(spent["model_calls"]!.GetValue<long>() <= 2000);
        Assert.True(spent["cost"]!.GetValue<double>() > 0);

        // The round shows what the optimizer saw and each candidate with its scores and why it was kept or dropped.
        var first = run["rounds"]![0]!;
        Assert.Equal(scenario.StartVersion, first["baseline"]!.GetValue<string>());
        Assert.Equal(0.2, OptimizationScenario.Rate(first["validation"]), 3);
        Assert.NotEmpty(first["optimizer"]!["shown_examples"]!.AsArray());
        var accepted = first["candidates"]!.AsArray().Single(c => c!["status"]!.GetValue<string>() == "accepted")!;
        Assert.NotNull(accepted["minibatch"]);
        Assert.NotNull(accepted["validation_verdicts"]);
        Assert.Contains("significantly better", accepted["reason"]!.GetValue<string>());
        Assert.Contains("If the ticket is about", accepted["template"]!.ToJsonString());

        // The winner is a new version with lineage, under the target tag; production did not move.
        var result = run["result"]!;
        Assert.Equal("candidate", result["target_tag"]!.GetValue<string>());
        Assert.True(result["tag_moved"]!.GetValue<bool>());
        var tagged = await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/candidate");
        Assert.Equal(200, tagged.Status);
        Assert.Equal(result["version"]!.GetValue<string>(), tagged.Json["id"]!.GetValue<string>());
        Assert.Equal(scenario.StartVersion, tagged.Json["parent"]!.GetValue<string>());
        var lineage = tagged.Json["optimization"]!;
        Assert.Equal(id, lineage["id"]!.GetValue<string>());
        Assert.Equal(result["round"]!.GetValue<int>(), lineage["round"]!.GetValue<int>());
        Assert.Contains("routing rules", lineage["rationale"]!.GetValue<string>());
        Assert.Contains("exact_match improved", lineage["comparison"]!.GetValue<string>());
        var production = await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/production");
        Assert.Equal(scenario.StartVersion, production.Json["id"]!.GetValue<string>());

        // The meta-prompt is a hub prompt, created at first use; the optimizer was asked for JSON with a schema.
        var meta = await scenario.Api.GetAsync("/api/prompts/optimizer-meta-prompt/latest");
        Assert.Equal(200, meta.Status);
        Assert.Equal(meta.Json["id"]!.GetValue<string>(), run["optimizer"]!["meta_prompt_version"]!.GetValue<string>());
        var optimizerCall = scenario.Model.Requests.First(r => r.Model == SupportRouting.OptimizerModel);
        Assert.Equal("json_schema", optimizerCall.Body["response_format"]!["type"]!.GetValue<string>());
        Assert.Equal("optimizer_candidates", optimizerCall.Body["response_format"]!["json_schema"]!["name"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_candidate_that_wins_on_train_but_not_on_validation_is_not_saved(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Memorize);
        var request = scenario.Request(maxRounds: 2, candidates: 1);
        request["validation"] = new JsonObject { ["fraction"] = 0.34, ["seed"] = 3 };

        var run = await scenario.WaitAsync((await scenario.StartAsync(request))["id"]!.GetValue<string>());

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.Equal("no_improvement", run["outcome"]!.GetValue<string>());
        Assert.Equal("max_rounds", run["stop_reason"]!.GetValue<string>());
        Assert.Null(run["result"]);
        foreach (var round in run["rounds"]!.AsArray())
        {
            var candidate = round!["candidates"]![0]!;
            Assert.Equal("not_better", candidate["status"]!.GetValue<string>());
            Assert.True(candidate["minibatch"]!["objective"]!.GetValue<double>() > candidate["minibatch_baseline"]!["objective"]!.GetValue<double>(),
                "the memorizing candidate should win on the training minibatch it learned from");
            Assert.Contains("not significantly better", candidate["reason"]!.GetValue<string>());
        }
        Assert.Equal(404, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/candidate")).Status);
        var versions = await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/versions");
        Assert.Single(versions.Json["data"]!.AsArray());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_candidate_that_changes_the_variables_is_rejected_with_the_reason(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.ChangeVariables);

        var run = await scenario.WaitAsync((await scenario.StartAsync(scenario.Request(maxRounds: 1)))["id"]!.GetValue<string>());

        var candidates = run["rounds"]![0]!["candidates"]!.AsArray();
        var renamed = candidates[0]!;
        Assert.Equal("rejected", renamed["status"]!.GetValue<string>());
        Assert.Null(renamed["id"]);
        Assert.Contains("drops the variable(s) category", renamed["reason"]!.GetValue<string>());
        Assert.Contains("adds the variable(s) topic", renamed["reason"]!.GetValue<string>());
        Assert.Contains("{{topic}}", renamed["template"]!.ToJsonString());
        Assert.Equal("accepted", candidates[1]!["status"]!.GetValue<string>());
        Assert.Equal("improved", run["outcome"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_regression_on_the_guard_set_blocks_a_winner(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules);
        var guard = Drivers.PromptName("greetings");
        await scenario.Host.UploadAsync(guard, SupportRouting.Greetings());
        var request = scenario.Request(maxRounds: 1);
        request["guard"] = new JsonObject { ["name"] = guard };

        var run = await scenario.WaitAsync((await scenario.StartAsync(request))["id"]!.GetValue<string>());

        Assert.Equal("no_improvement", run["outcome"]!.GetValue<string>());
        var candidates = run["rounds"]![0]!["candidates"]!.AsArray();
        var blocked = candidates.Where(c => c!["status"]!.GetValue<string>() == "guard_regressed").ToList();
        Assert.NotEmpty(blocked);
        Assert.Contains("significantly worse on the guard set", blocked[0]!["reason"]!.GetValue<string>());
        Assert.Equal("regressed", blocked[0]!["guard_verdicts"]![0]!["verdict"]!.GetValue<string>());
        Assert.DoesNotContain(candidates, c => c!["status"]!.GetValue<string>() == "accepted");
        Assert.Equal(404, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/candidate")).Status);
        Assert.Equal(scenario.Model.Calls, run["spent"]!["model_calls"]!.GetValue<long>());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task The_budget_stops_a_run_with_its_best_result_so_far(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.TwoRulesPerRound);
        // Round 1 costs 97 calls (40 train + 20 validation + 1 optimizer + 16 screening + 20 validation); round 2
        // would start by evaluating the adopted version on train (40 planned), which 120 cannot pay for.
        var run = await scenario.WaitAsync((await scenario.StartAsync(scenario.Request(maxRounds: 5, maxCalls: 120, candidates: 1)))["id"]!.GetValue<string>());

        Assert.Equal("completed", run["status"]!.GetValue<string>());
        Assert.Equal("max_model_calls", run["stop_reason"]!.GetValue<string>());
        Assert.Equal("improved", run["outcome"]!.GetValue<string>());
        var spent = run["spent"]!["model_calls"]!.GetValue<long>();
        Assert.True(spent <= 120, $"spent {spent}");
        Assert.Equal(scenario.Model.Calls, spent);
        var rounds = run["rounds"]!.AsArray();
        Assert.Equal("max_model_calls", rounds[^1]!["stopped_by"]!.GetValue<string>());
        var result = run["result"]!;
        Assert.Equal(1, result["round"]!.GetValue<int>());
        Assert.True(OptimizationScenario.Rate(run["comparison"]!["candidate_validation"]) is > 0.2 and < 1, run["comparison"]!.ToJsonString());
        var tagged = await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/candidate");
        Assert.Equal(result["version"]!.GetValue<string>(), tagged.Json["id"]!.GetValue<string>());
        Assert.Equal(1, tagged.Json["optimization"]!["round"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_cancelled_run_stops_and_saves_nothing(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules);
        scenario.Model.Latency = TimeSpan.FromMilliseconds(200);
        var id = (await scenario.StartAsync(scenario.Request()))["id"]!.GetValue<string>();

        var cancelled = await scenario.Api.PostAsync($"/api/optimizations/{id}/cancel", new JsonObject());
        Assert.Equal(200, cancelled.Status);
        Assert.Equal("cancelled", cancelled.Json["status"]!.GetValue<string>());
        var again = await scenario.Api.PostAsync($"/api/optimizations/{id}/cancel", new JsonObject());
        Assert.Equal(409, again.Status);
        Assert.StartsWith("application/problem+json", again.ContentType);

        await Task.Delay(1000);
        var run = await scenario.WaitAsync(id);
        Assert.Equal("cancelled", run["status"]!.GetValue<string>());
        Assert.Null(run["result"]);
        Assert.Equal(404, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/candidate")).Status);
    }
}
