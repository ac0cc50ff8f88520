using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>
/// Each webhook request is wrong in one way; each gets its 4xx as problem+json and leaves storage exactly as it
/// was. The hosts run outside Development, as in production.
/// </summary>
public sealed class WebhookBadInputTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private const string Events = """["prompt.version.created"]""";
    private static readonly string UnknownId = new('a', 32);

    public sealed record Case(string Name, string Method, string Path, string? Body, int Status, string? DetailContains = null, string? Key = TestKeys.Admin)
    {
        public override string ToString() => Name;
    }

    private static string Create(string url, string events = Events, string extra = "") => $$"""{"url":"{{url}}","events":{{events}}{{extra}}}""";

    private static readonly Case[] Cases =
    [
        new("http in production", "POST", "/api/webhooks", Create("http://127.0.0.1:9/hook"), 422, "must be https"),
        new("http to a public host", "POST", "/api/webhooks", Create("http://93.184.216.34/hook"), 422, "must be https"),
        new("ftp url", "POST", "/api/webhooks", Create("ftp://93.184.216.34/hook"), 422, "https"),
        new("relative url", "POST", "/api/webhooks", Create("/hook"), 422, "absolute URL"),
        new("not a url", "POST", "/api/webhooks", Create("hooks please"), 422, "absolute URL"),
        new("credentials in url", "POST", "/api/webhooks", Create("https://user:pw@93.184.216.34/hook"), 422, "credentials"),
        new("loopback over https in production", "POST", "/api/webhooks", Create("https://127.0.0.1/hook"), 422, "loopback"),
        new("localhost name", "POST", "/api/webhooks", Create("https://localhost/hook"), 422, "loopback"),
        new("ipv6 loopback", "POST", "/api/webhooks", Create("https://[::1]/hook"), 422, "loopback"),
        new("private 10/8", "POST", "/api/webhooks", Create("https://10.1.2.3/hook"), 422, "private address"),
        new("private 192.168", "POST", "/api/webhooks", Create("https://192.168.0.10/hook"), 422, "private address"),
        new("private 172.16/12", "POST", "/api/webhooks", Create("https://172.20.0.1/hook"), 422, "private address"),
        new("unique local ipv6", "POST", "/api/webhooks", Create("https://[fd12:3456::1]/hook"), 422, "private address"),
        new("link-local", "POST", "/api/webhooks", Create("https://169.254.10.10/hook"), 422, "link-local"),
        new("aws metadata", "POST", "/api/webhooks", Create("https://169.254.169.254/latest/meta-data"), 422, "metadata"),
        new("aws metadata ipv6", "POST", "/api/webhooks", Create("https://[fd00:ec2::254]/"), 422, "metadata"),
        new("azure wireserver", "POST", "/api/webhooks", Create("https://168.63.129.16/"), 422, "metadata"),
        new("ipv4-mapped loopback", "POST", "/api/webhooks", Create("https://[::ffff:127.0.0.1]/hook"), 422, "loopback"),
        new("nat64 private", "POST", "/api/webhooks", Create("https://[64:ff9b::a00:1]/hook"), 422, "private address"),
        new("unspecified address", "POST", "/api/webhooks", Create("https://0.0.0.0/hook"), 422, "reserved"),
        new("decimal ip of metadata", "POST", "/api/webhooks", Create("https://2852039166/"), 422, "metadata"),
        new("unknown event", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", """["prompt.exploded"]"""), 422, "unknown event type"),
        new("duplicate event", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", """["prompt.deleted","prompt.deleted"]"""), 422, "twice"),
        new("no events", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", "[]"), 422, "at least one"),
        new("events not an array", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", "\"prompt.deleted\""), 422, "expected an array"),
        new("too many events", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", "[" + string.Join(",", Enumerable.Repeat("\"prompt.deleted\"", 9)) + "]"), 422, "at most"),
        new("missing url", "POST", "/api/webhooks", $$"""{"events":{{Events}}}""", 422, "$.url: is required"),
        new("url too long", "POST", "/api/webhooks", Create("https://93.184.216.34/" + new string('a', 2100)), 422, "at most 2048"),
        new("description too long", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", extra: $",\"description\":\"{new string('d', 501)}\""), 422, "at most 500"),
        new("unknown field", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", extra: ",\"secret\":\"mine\""), 422, "unknown field 'secret'"),
        new("body too large", "POST", "/api/webhooks", Create("https://93.184.216.34/hook", extra: $",\"description\":\"{new string('d', 1024 * 1024)}\""), 413),
        new("writer may not subscribe", "POST", "/api/webhooks", Create("https://93.184.216.34/hook"), 403, "admin", TestKeys.Writer),
        new("reader may not list", "GET", "/api/webhooks", null, 403, "admin", TestKeys.Reader),
        new("no key", "POST", "/api/webhooks", Create("https://93.184.216.34/hook"), 401, null, null),
        new("bad subscription id", "GET", "/api/webhooks/not-an-id", null, 400, "not a webhook subscription id"),
        new("unknown subscription", "GET", $"/api/webhooks/{UnknownId}", null, 404),
        new("patch unknown subscription", "PATCH", $"/api/webhooks/{UnknownId}", """{"enabled":false}""", 404),
        new("delete unknown subscription", "DELETE", $"/api/webhooks/{UnknownId}", null, 404),
        new("rotate unknown subscription", "POST", $"/api/webhooks/{UnknownId}/rotate-secret", null, 404),
        new("deliveries of unknown subscription", "GET", $"/api/webhooks/{UnknownId}/deliveries", null, 404),
        new("redeliver unknown subscription", "POST", $"/api/webhooks/{UnknownId}/deliveries/{UnknownId}/redeliver", null, 404),
        new("forged cursor", "GET", "/api/webhooks?cursor=bm90LWFuLWlk", null, 400, "cursor"),
    ];

    public static TheoryData<string, Case> All()
    {
        var data = new TheoryData<string, Case>();
        foreach (var kind in Drivers.AllKinds)
        {
            foreach (var c in Cases) data.Add(kind, c);
        }
        return data;
    }

    [Theory, MemberData(nameof(All))]
    public async Task Bad_webhook_input_gets_a_problem_and_stores_nothing(string kind, Case c) =>
        await AssertRejectedAsync(hosts[kind], c.Method, c.Path, c.Body, c.Status, c.DetailContains, c.Key);

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Changes_to_an_existing_subscription_are_checked_the_same_way(string kind)
    {
        var api = hosts[kind];
        var id = await CreateAllowedAsync(api);
        await AssertRejectedAsync(api, "PATCH", $"/api/webhooks/{id}", """{"url":"https://10.0.0.1/hook"}""", 422, "private address");
        await AssertRejectedAsync(api, "PATCH", $"/api/webhooks/{id}", """{"events":["nope"]}""", 422, "unknown event type");
        await AssertRejectedAsync(api, "PATCH", $"/api/webhooks/{id}", """{"enabled":"yes"}""", 422, "true or false");
        await AssertRejectedAsync(api, "PATCH", $"/api/webhooks/{id}", "{}", 422, "at least one");
        await AssertRejectedAsync(api, "POST", $"/api/webhooks/{id}/deliveries/{UnknownId}/redeliver", null, 404, "no delivery");
        await AssertRejectedAsync(api, "POST", $"/api/webhooks/{id}/deliveries/xyz/redeliver", null, 400, "not a delivery id");
    }

    // The next three need settings or an environment of their own, so on the Functions host a host of their own
    // (tens of seconds each on a loaded machine); what they check is the URL policy's, which the table above already
    // runs through the real host's routing and body handling.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Outside_the_allowed_hosts_nothing_is_accepted(string kind)
    {
        await using var api = await Drivers.StartAsync(kind, new Dictionary<string, string?>
        {
            ["Webhooks:AllowedHosts:0"] = "*.partner.example",
            ["Webhooks:AllowedHosts:1"] = "10.20.0.0/16",
        });
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://evil.example/hook"), 422, "not in Webhooks:AllowedHosts");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://partner.example/hook"), 422, "not in Webhooks:AllowedHosts");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://93.184.216.34/hook"), 422, "not in Webhooks:AllowedHosts");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://10.21.0.1/hook"), 422, "not in Webhooks:AllowedHosts");
        // An address entry lets a private address through, which is what it is for.
        var allowed = await api.PostAsync("/api/webhooks", JsonNode.Parse(Create("https://10.20.3.4/hook"))!);
        Assert.Equal(201, allowed.Status);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task In_development_http_is_still_refused_for_anything_but_loopback(string kind)
    {
        await using var api = await Drivers.StartAsync(kind, environment: "Development");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("http://93.184.216.34/hook"), 422, "only for loopback");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("http://10.0.0.1/hook"), 422, "only for loopback");
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://169.254.169.254/"), 422, "metadata");
        Assert.Equal(201, (await api.PostAsync("/api/webhooks", JsonNode.Parse(Create("http://127.0.0.1:9/hook"))!)).Status);
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Beyond_the_subscription_limit_nothing_is_stored(string kind)
    {
        await using var api = await Drivers.StartAsync(kind, new Dictionary<string, string?> { ["Webhooks:MaxSubscriptions"] = "2" });
        await CreateAllowedAsync(api);
        await CreateAllowedAsync(api);
        await AssertRejectedAsync(api, "POST", "/api/webhooks", Create("https://93.184.216.34/third"), 409, "MaxSubscriptions");
    }

    /// <summary>A public address literal: accepted without DNS, which tests cannot reach.</summary>
    private static async Task<string> CreateAllowedAsync(IApiDriver api)
    {
        var response = await api.PostAsync("/api/webhooks", JsonNode.Parse(Create("https://93.184.216.34/hook"))!);
        Assert.True(response.Status == 201, response.ToString());
        return response.Json["subscription"]!["id"]!.GetValue<string>();
    }

    private static async Task AssertRejectedAsync(IApiDriver api, string method, string path, string? body, int status, string? detailContains, string? key = TestKeys.Admin)
    {
        // On the shared Functions host, other classes' writes stay out of the comparison.
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var response = await api.SendAsync(new HttpMethod(method), path, body, key, contentType: body is null ? null : "application/json");
        Assert.True(status == response.Status, $"{method} {path}: expected {status}, got {response}");
        Assert.StartsWith("application/problem+json", response.ContentType);
        var problem = response.Json;
        Assert.Equal(status, problem["status"]!.GetValue<int>());
        if (detailContains is not null)
            Assert.Contains(detailContains, problem["detail"]!.GetValue<string>() + " " + problem["errors"]?.ToJsonString());
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }
}
