using System.Globalization;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Infrastructure;
using StandardWebhooks;

namespace PromptFunctions.Tests.Optimization;

/// <summary>Both hosts with the stub model, hook secrets, the ticket dataset and the routing prompt.</summary>
public sealed class OptimizationHostsFixture : IAsyncLifetime
{
    /// <summary>Two secrets at once, as during a rotation.</summary>
    public static readonly string Secret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    public static readonly string NextSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(101, 24).Select(i => (byte)i).ToArray());
    public static readonly string UnknownSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(201, 32).Select(i => (byte)i).ToArray());

    private readonly Dictionary<string, IApiDriver> _drivers = [];

    public StubModelServer Model { get; private set; } = null!;
    public string Prompt { get; } = Drivers.PromptName("routing");
    public string Dataset { get; } = Drivers.PromptName("tickets");

    public IApiDriver this[string kind] => _drivers[kind];

    public async Task InitializeAsync()
    {
        Model = await StubModelServer.StartAsync(SupportRouting.Responder(OptimizerScript.Rules));
        var settings = OptimizationScenario.Settings(Model.Endpoint);
        settings["Hooks:Optimize:Secrets:0"] = Secret;
        settings["Hooks:Optimize:Secrets:1"] = NextSecret;
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
        {
            var api = _drivers[kind] = await Drivers.StartAsync(kind, settings);
            var upload = await api.PostAsync($"/api/datasets/{Dataset}/versions", new JsonObject { ["examples"] = new JsonArray(SupportRouting.Tickets().Select(t => (JsonNode?)t).ToArray()) });
            Assert.Equal(201, upload.Status);
            await api.CreateVersionAsync(Prompt, SupportRouting.Version(), ["production"]);
        }
    }

    public JsonObject Request() => new()
    {
        ["prompt"] = new JsonObject { ["name"] = Prompt, ["tag"] = "production" },
        ["dataset"] = new JsonObject { ["name"] = Dataset },
        ["evaluators"] = new JsonArray(new JsonObject { ["type"] = "exact_match" }),
        ["model"] = new JsonObject { ["connection"] = "stub" },
        ["optimizer"] = new JsonObject { ["connection"] = "stub", ["model"] = SupportRouting.OptimizerModel },
        ["budget"] = new JsonObject { ["max_rounds"] = 1, ["max_model_calls"] = 500 },
        ["validation"] = "validation",
    };

    public async Task DisposeAsync()
    {
        foreach (var driver in _drivers.Values) await driver.DisposeAsync();
        await Model.DisposeAsync();
    }
}

/// <summary>Bad requests and hook deliveries: each gets its 4xx as problem+json and starts nothing (storage stays exactly as it was).</summary>
public sealed class OptimizationInputTests(OptimizationHostsFixture hosts) : IClassFixture<OptimizationHostsFixture>
{
    public sealed record Case(string Name, Action<JsonObject> Change, int Status, string DetailContains);

    private static readonly Case[] BadRequests =
    [
        new("unknown prompt", b => b["prompt"] = new JsonObject { ["name"] = "nobody-here" }, 422, "prompt 'nobody-here' does not exist"),
        new("unknown tag", b => b["prompt"]!["tag"] = "nightly", 422, "has no tag 'nightly'"),
        new("unknown version", b => b["prompt"] = new JsonObject { ["name"] = b["prompt"]!["name"]!.GetValue<string>(), ["version"] = "v9" }, 422, "has no version 'v9'"),
        new("a draft", b => b["prompt"]!["draft"] = new JsonObject { ["template"] = "x" }, 422, "starts from a saved version"),
        new("unknown dataset", b => b["dataset"] = new JsonObject { ["name"] = "no-such-data" }, 422, "dataset 'no-such-data' does not exist"),
        new("unknown dataset version", b => b["dataset"]!["version"] = "v7", 422, "version 'v7' does not exist"),
        new("unknown task connection", b => b["model"] = new JsonObject { ["connection"] = "nope" }, 422, "no model connection named 'nope'"),
        new("unknown optimizer connection", b => b["optimizer"] = new JsonObject { ["connection"] = "nope" }, 422, "$.optimizer.connection: no model connection named 'nope'"),
        new("protected target tag", b => b["target_tag"] = "production", 422, "'production' is a protected tag"),
        new("bad target tag", b => b["target_tag"] = "Not A Tag", 422, "$.target_tag"),
        new("zero model calls", b => b["budget"]!["max_model_calls"] = 0, 422, "$.budget.max_model_calls"),
        new("zero rounds", b => b["budget"]!["max_rounds"] = 0, 422, "$.budget.max_rounds"),
        new("zero cost", b => b["budget"]!["max_cost"] = 0, 422, "$.budget.max_cost: must be greater than 0"),
        new("budget below one evaluation", b => b["budget"]!["max_model_calls"] = 30, 422, "cannot pay for the first evaluation"),
        new("no budget", b => b.Remove("budget"), 422, "$.budget: is required"),
        new("no evaluators", b => b["evaluators"] = new JsonArray(), 422, "name at least one evaluator"),
        new("bad evaluator", b => b["evaluators"] = new JsonArray(new JsonObject { ["type"] = "telepathy" }), 422, "$.evaluators[0]"),
        new("unknown validation split", b => b["validation"] = "holdout", 422, "has no split 'holdout'"),
        new("fraction out of range", b => b["validation"] = new JsonObject { ["fraction"] = 1.5 }, 422, "$.validation.fraction"),
        new("split and fraction", b => b["validation"] = new JsonObject { ["split"] = "validation", ["fraction"] = 0.2 }, 422, "give either 'split'"),
        new("unknown guard", b => b["guard"] = new JsonObject { ["name"] = "no-guard" }, 422, "dataset 'no-guard' does not exist"),
        new("too many candidates", b => b["candidates_per_round"] = 99, 422, "$.candidates_per_round"),
        new("feedback for an unknown example", b => b["feedback"] = new JsonObject { ["zz"] = "too terse" }, 422, "no example with id 'zz'"),
        new("unknown member", b => b["temperature"] = 1, 422, "unknown field 'temperature'"),
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
            foreach (var c in BadRequests) data.Add(kind, c.Name);
        return data;
    }

    private static async Task AssertRejectedAsync(IApiDriver api, Func<Task<ApiResponse>> send, int status, string detail)
    {
        var before = await api.Storage.SnapshotAsync();
        var response = await send();
        Assert.True(response.Status == status, response.ToString());
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.Contains(detail, response.Json["detail"]!.GetValue<string>() + " " + response.Json["errors"]?.ToJsonString());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Cases))]
    public async Task Bad_requests_get_a_problem_and_start_nothing(string kind, string name)
    {
        var api = hosts[kind];
        var c = BadRequests.Single(x => x.Name == name);
        var body = hosts.Request();
        c.Change(body);
        await AssertRejectedAsync(api, () => api.PostAsync("/api/optimizations", body), c.Status, c.DetailContains);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Starting_needs_the_write_role_and_reading_an_unknown_run_is_a_problem(string kind)
    {
        var api = hosts[kind];
        await AssertRejectedAsync(api, () => api.PostAsync("/api/optimizations", hosts.Request(), TestKeys.Reader), 403, "lacks the 'write' role");
        await AssertRejectedAsync(api, () => api.PostAsync("/api/optimizations", hosts.Request(), key: null), 401, "API key");
        await AssertRejectedAsync(api, () => api.GetAsync("/api/optimizations/not-an-id"), 400, "not an optimization id");
        await AssertRejectedAsync(api, () => api.GetAsync($"/api/optimizations/{new string('a', 32)}"), 404, "does not exist");
        await AssertRejectedAsync(api, () => api.PostAsync($"/api/optimizations/{new string('a', 32)}/cancel", new JsonObject()), 404, "does not exist");
    }

    public static Dictionary<string, string> Signed(string secret, string messageId, string payload, DateTimeOffset? at = null)
    {
        var timestamp = at ?? DateTimeOffset.UtcNow;
        var signature = new StandardWebhook(secret).Sign(messageId, timestamp, payload);
        return new Dictionary<string, string>
        {
            ["webhook-id"] = messageId,
            ["webhook-timestamp"] = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["webhook-signature"] = signature,
        };
    }

    public static Task<ApiResponse> DeliverAsync(IApiDriver api, string payload, IReadOnlyDictionary<string, string> headers) =>
        api.SendAsync(HttpMethod.Post, "/api/hooks/optimize", payload, key: null, headers: headers);

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Malformed_or_badly_signed_hook_deliveries_get_a_problem_and_start_nothing(string kind)
    {
        var api = hosts[kind];
        var payload = hosts.Request().ToJsonString();
        var id = "msg_" + Guid.NewGuid().ToString("N");

        await AssertRejectedAsync(api, () => DeliverAsync(api, payload, new Dictionary<string, string>()), 401, "webhook-id");
        var tampered = Signed(OptimizationHostsFixture.Secret, id, payload);
        await AssertRejectedAsync(api, () => DeliverAsync(api, payload.Replace("\"max_rounds\":1", "\"max_rounds\":2", StringComparison.Ordinal), tampered), 401, "No 'v1' signature");
        await AssertRejectedAsync(api, () => DeliverAsync(api, payload, Signed(OptimizationHostsFixture.UnknownSecret, id, payload)), 401, "No 'v1' signature");
        await AssertRejectedAsync(api, () => DeliverAsync(api, payload, Signed(OptimizationHostsFixture.Secret, id, payload, DateTimeOffset.UtcNow.AddMinutes(-10))), 401, "older than");
        await AssertRejectedAsync(api, () => DeliverAsync(api, payload, Signed(OptimizationHostsFixture.Secret, id, payload, DateTimeOffset.UtcNow.AddMinutes(10))), 401, "newer than");
        var badTimestamp = Signed(OptimizationHostsFixture.Secret, id, payload);
        badTimestamp["webhook-timestamp"] = "yesterday";
        await AssertRejectedAsync(api, () => DeliverAsync(api, payload, badTimestamp), 401, "webhook-timestamp");

        // Signed correctly but wrong inside: the signature is good, the request is not.
        const string broken = "{\"prompt\": ";
        await AssertRejectedAsync(api, () => DeliverAsync(api, broken, Signed(OptimizationHostsFixture.Secret, "msg_broken", broken)), 400, "not valid JSON");
        var invalid = hosts.Request();
        invalid["target_tag"] = "production";
        var invalidPayload = invalid.ToJsonString();
        await AssertRejectedAsync(api, () => DeliverAsync(api, invalidPayload, Signed(OptimizationHostsFixture.Secret, "msg_invalid", invalidPayload)), 422, "protected tag");
    }
}
