using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Optimization;

/// <summary>Finding runs, and accepting (a tag moves, with the caller's roles and If-Match) or dismissing a proposal, on both hosts.</summary>
public sealed class OptimizationReviewTests
{
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Lists_runs_newest_first_and_records_one_decision_per_proposal(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules);
        var first = (await scenario.StartAsync(scenario.Request()))["id"]!.GetValue<string>();
        var run = await scenario.WaitAsync(first);
        Assert.Equal("improved", run["outcome"]!.GetValue<string>());
        Assert.Null(run["review"]);
        var proposed = run["result"]!["version"]!.GetValue<string>();

        // Listing: by prompt, newest first, paged; the proposal shows as pending (a result, no review).
        var second = (await scenario.StartAsync(scenario.Request(maxRounds: 1)))["id"]!.GetValue<string>();
        await scenario.WaitAsync(second);
        var listed = await scenario.Api.GetAsync($"/api/optimizations?prompt={scenario.Prompt}&limit=1", TestKeys.Reader);
        Assert.Equal(200, listed.Status);
        Assert.Equal(second, listed.Json["data"]![0]!["id"]!.GetValue<string>());
        var next = await scenario.Api.GetAsync($"/api/optimizations?prompt={scenario.Prompt}&limit=1&cursor={Uri.EscapeDataString(listed.Json["next_cursor"]!.GetValue<string>())}", TestKeys.Reader);
        var older = next.Json["data"]![0]!;
        Assert.Equal(first, older["id"]!.GetValue<string>());
        Assert.Equal(proposed, older["result"]!["version"]!.GetValue<string>());
        Assert.Equal(scenario.Prompt, older["prompt"]!.GetValue<string>());
        Assert.Null(older["review"]);
        Assert.Null(next.Json["next_cursor"]);
        var otherPrompt = await scenario.Api.GetAsync("/api/optimizations?prompt=no-such-prompt-here");
        Assert.Empty(otherPrompt.Json["data"]!.AsArray());

        // A read-only key decides nothing; a protected tag needs the promote role; a stale If-Match changes nothing.
        var accept = $"/api/optimizations/{first}/accept";
        Assert.Equal(403, (await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "staging" }, TestKeys.Reader)).Status);
        Assert.Equal(403, (await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "production" }, TestKeys.Writer)).Status);
        var stale = await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "production" }, TestKeys.Admin,
            new Dictionary<string, string> { ["If-Match"] = $"\"{proposed}\"" });
        Assert.Equal(412, stale.Status);
        Assert.Equal(scenario.StartVersion, stale.Json["current_version"]!.GetValue<string>());
        Assert.Equal(scenario.StartVersion, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/production")).Json["id"]!.GetValue<string>());
        Assert.Null((await scenario.Api.GetAsync($"/api/optimizations/{first}")).Json["review"]);

        // Accepting moves the tag with the reason and records who decided; the decision is final.
        var accepted = await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "staging", ["reason"] = "validated by hand" }, TestKeys.Writer);
        Assert.Equal(200, accepted.Status);
        var review = accepted.Json["review"]!;
        Assert.Equal("accepted", review["decision"]!.GetValue<string>());
        Assert.Equal("staging", review["tag"]!.GetValue<string>());
        Assert.Equal(proposed, review["version"]!.GetValue<string>());
        Assert.Equal("validated by hand", review["reason"]!.GetValue<string>());
        Assert.Equal("writer", review["by"]!.GetValue<string>());
        var staging = await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/staging/history");
        Assert.Equal("validated by hand", staging.Json["data"]![0]!["reason"]!.GetValue<string>());
        Assert.Equal(proposed, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/staging")).Json["id"]!.GetValue<string>());
        Assert.Equal(409, (await scenario.Api.PostAsync($"/api/optimizations/{first}/dismiss", new JsonObject())).Status);
        Assert.Equal(409, (await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "qa" })).Status);
        var listedAgain = await scenario.Api.GetAsync($"/api/optimizations?prompt={scenario.Prompt}");
        Assert.Equal("accepted", listedAgain.Json["data"]![1]!["review"]!["decision"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Dismissing_records_the_decision_and_changes_no_tag(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules);
        var id = (await scenario.StartAsync(scenario.Request()))["id"]!.GetValue<string>();
        var run = await scenario.WaitAsync(id);
        var tags = (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags")).Body;

        var dismissed = await scenario.Api.PostAsync($"/api/optimizations/{id}/dismiss", new JsonObject { ["reason"] = "too verbose" }, TestKeys.Writer);
        Assert.Equal(200, dismissed.Status);
        Assert.Equal("dismissed", dismissed.Json["review"]!["decision"]!.GetValue<string>());
        Assert.Equal(run["result"]!["version"]!.GetValue<string>(), dismissed.Json["review"]!["version"]!.GetValue<string>());
        Assert.Null(dismissed.Json["review"]!["tag"]);
        Assert.Equal("dismissed", (await scenario.Api.GetAsync($"/api/optimizations/{id}")).Json["review"]!["decision"]!.GetValue<string>());
        Assert.Equal(tags, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags")).Body);
        Assert.Equal(409, (await scenario.Api.PostAsync($"/api/optimizations/{id}/accept", new JsonObject { ["tag"] = "staging" })).Status);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Bad_decisions_get_4xx_and_store_nothing(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Memorize);
        var id = (await scenario.StartAsync(scenario.Request(maxRounds: 1)))["id"]!.GetValue<string>();
        var run = await scenario.WaitAsync(id);
        Assert.Null(run["result"]);

        var accept = $"/api/optimizations/{id}/accept";
        Assert.Equal(409, (await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "staging" })).Status);
        Assert.Equal(409, (await scenario.Api.PostAsync($"/api/optimizations/{id}/dismiss", new JsonObject())).Status);
        Assert.Equal(422, (await scenario.Api.PostAsync(accept, new JsonObject())).Status);
        Assert.Equal(422, (await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "Not A Tag" })).Status);
        Assert.Contains((await scenario.Api.PostAsync(accept, new JsonObject { ["tag"] = "staging", ["extra"] = 1 })).Status, new[] { 400, 422 });
        Assert.Equal(400, (await scenario.Api.PostAsync("/api/optimizations/not-an-id/accept", new JsonObject { ["tag"] = "staging" })).Status);
        Assert.Equal(404, (await scenario.Api.PostAsync($"/api/optimizations/{new string('a', 32)}/dismiss", new JsonObject())).Status);
        Assert.Equal(400, (await scenario.Api.GetAsync("/api/optimizations?cursor=bm90LWEta2V5")).Status);
        Assert.Equal(400, (await scenario.Api.GetAsync("/api/optimizations?prompt=Bad%20Name")).Status);
        Assert.Null((await scenario.Api.GetAsync($"/api/optimizations/{id}")).Json["review"]);
        Assert.Equal(404, (await scenario.Api.GetAsync($"/api/prompts/{scenario.Prompt}/tags/staging")).Status);
    }
}
