using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, limits: a token bucket per key whose size and rate come from the key's role, answered with 429 and
/// Retry-After in every dialect; and a bound on model calls in flight summed over all experiments. The bucket refills
/// one request per hundred seconds here, so no test run is fast or slow enough to change what it sees.
/// </summary>
public sealed class LimitTests
{
    private static readonly Dictionary<string, string?> SlowBuckets = new()
    {
        ["RateLimits:Roles:read:RequestsPerSecond"] = "0.01",
        ["RateLimits:Roles:read:Burst"] = "3",
        ["RateLimits:Roles:write:RequestsPerSecond"] = "0.01",
        ["RateLimits:Roles:write:Burst"] = "5",
    };

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_key_over_its_roles_rate_gets_429_with_retry_after_and_other_keys_are_not_affected(string kind)
    {
        await using var api = await Drivers.StartAsync(kind, SlowBuckets);
        await api.CreateVersionAsync("limited", JsonNode.Parse("""{"template":"Hello {{name}}"}""")!);

        for (var i = 0; i < 3; i++) Assert.Equal(200, (await api.GetAsync("/api/prompts/limited", TestKeys.Reader)).Status);
        var refused = await api.GetAsync("/api/prompts/limited", TestKeys.Reader);

        Assert.Equal(429, refused.Status);
        Assert.StartsWith("application/problem+json", refused.ContentType);
        Assert.Contains("requests per second", refused.Json["detail"]!.GetValue<string>());
        Assert.True(int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) >= 1, refused.Header("Retry-After"));
        // The same key through the compatible APIs shares its bucket and answers in their dialects.
        var phoenix = await api.GetAsync("/api/v1/prompts", TestKeys.Reader);
        Assert.Equal(429, phoenix.Status);
        Assert.NotNull(phoenix.Header("Retry-After"));

        // Another key has its own bucket (the writer's role has a larger one), and a role without an entry (admin)
        // is not limited.
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await api.GetAsync("/api/prompts/limited", TestKeys.Writer)).Status);
        Assert.Equal(429, (await api.GetAsync("/api/prompts/limited", TestKeys.Writer)).Status);
        for (var i = 0; i < 20; i++) Assert.Equal(200, (await api.GetAsync("/api/prompts/limited")).Status);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Model_calls_in_flight_stay_within_the_global_bound_across_experiments(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind, latency: TimeSpan.FromMilliseconds(30), settings: new Dictionary<string, string?>
        {
            ["ModelLimits:MaxCallsInFlight"] = "3",
        });
        await host.Api.CreateVersionAsync("bounded", new JsonObject
        {
            ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        });
        await host.UploadAsync("bounded-set", Enumerable.Range(0, 20).Select(i => new JsonObject { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = $"q{i}" }));

        // Three experiments of 10 lanes each would open 30 calls at once without the global bound.
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => host.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("bounded"),
            ["dataset"] = new JsonObject { ["name"] = "bounded-set" },
            ["max_concurrency"] = 10,
        })));
        foreach (var experiment in started)
        {
            var done = await host.WaitAsync(experiment["id"]!.GetValue<string>());
            Assert.Equal("completed", done["status"]!.GetValue<string>());
            Assert.Equal(20, done["progress"]!["done"]!.GetValue<int>());
        }
        Assert.Equal(60, host.Model.Calls);
        Assert.InRange(host.Model.MaxInFlight, 1, 3);
    }
}
