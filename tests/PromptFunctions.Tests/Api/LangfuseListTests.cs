using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using static PromptFunctions.Tests.Api.LangfuseTestClient;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// <c>GET /api/public/v2/prompts</c>: paging and filters. Each test has storage of its own, because counts and
/// pages cover every prompt there is. Not on the Functions host for that reason: a host of its own per test costs
/// seconds to start (tens of seconds on a loaded machine); this route and its query parameters go through the real
/// host in the Langfuse bad-input table, and the filters are the handler's own.
/// </summary>
public sealed class LangfuseListTests
{
    private static async Task<(IApiDriver Api, DateTimeOffset Between)> SeedAsync(string kind)
    {
        var api = await Drivers.StartAsync(kind);
        await api.CreateLangfuseAsync(Text("alpha", "a1", ["production"], tags: ["x"]));
        await api.CreateLangfuseAsync(Text("alpha", "a2", ["staging"], new JsonObject { ["model"] = "gpt-4o", ["temperature"] = 0.5 }));
        await api.CreateLangfuseAsync(JsonNode.Parse("""{"name":"beta","type":"chat","prompt":[{"role":"user","content":"hi"}],"labels":["staging"],"tags":["y"]}""")!.AsObject());
        await api.CreateVersionAsync("delta", JsonNode.Parse("""{"template":"native"}""")!, tags: ["production"]);
        await Task.Delay(50);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await api.CreateLangfuseAsync(Text("gamma", "g1"));
        return (api, between);
    }

    private static List<string> Names(ApiResponse response) => response.Json["data"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();

    private static string Meta(ApiResponse response) => response.Json["meta"]!.ToJsonString();

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Pages_list_prompts_in_name_order_with_totals(string kind)
    {
        var (api, _) = await SeedAsync(kind);
        await using var _ = api;

        var first = await api.LangfuseGetAsync($"{Root}?limit=2");
        var second = await api.LangfuseGetAsync($"{Root}?limit=2&page=2");
        var beyond = await api.LangfuseGetAsync($"{Root}?limit=2&page=3");
        var defaults = await api.LangfuseGetAsync(Root);

        Assert.Equal(["alpha", "beta"], Names(first));
        Assert.Equal("""{"page":1,"limit":2,"totalItems":4,"totalPages":2}""", Meta(first));
        Assert.Equal(["delta", "gamma"], Names(second));
        Assert.Equal("""{"page":2,"limit":2,"totalItems":4,"totalPages":2}""", Meta(second));
        Assert.Empty(Names(beyond));
        Assert.Equal("""{"page":1,"limit":10,"totalItems":4,"totalPages":1}""", Meta(defaults));

        var alpha = first.Json["data"]![0]!;
        Assert.Equal("text", alpha["type"]!.GetValue<string>());
        Assert.Equal("[1,2]", alpha["versions"]!.ToJsonString());
        Assert.Equal(["latest", "production", "staging"], Strings(alpha["labels"]));
        Assert.Equal(["x"], Strings(alpha["tags"]));
        Assert.Equal("""{"model":"gpt-4o","temperature":0.5}""", alpha["lastConfig"]!.ToJsonString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", alpha["lastUpdatedAt"]!.GetValue<string>());
        Assert.Equal("chat", first.Json["data"]![1]!["type"]!.GetValue<string>());
        var delta = second.Json["data"]![0]!;
        Assert.Equal(["latest", "production"], Strings(delta["labels"]));
        Assert.Empty(Strings(delta["tags"]));
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Filters_select_versions_and_prompts_with_a_matching_version(string kind)
    {
        var (api, between) = await SeedAsync(kind);
        await using var _ = api;
        var instant = Uri.EscapeDataString(between.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));

        var production = await api.LangfuseGetAsync($"{Root}?label=production");
        Assert.Equal(["alpha", "delta"], Names(production));
        Assert.Equal("[1]", production.Json["data"]![0]!["versions"]!.ToJsonString());
        Assert.Equal(["production"], Strings(production.Json["data"]![0]!["labels"]));
        Assert.Equal("""{"page":1,"limit":10,"totalItems":2,"totalPages":1}""", Meta(production));

        var staging = await api.LangfuseGetAsync($"{Root}?label=staging&limit=1");
        Assert.Equal(["alpha"], Names(staging));
        Assert.Equal("[2]", staging.Json["data"]![0]!["versions"]!.ToJsonString());
        Assert.Equal("""{"page":1,"limit":1,"totalItems":2,"totalPages":2}""", Meta(staging));
        Assert.Equal(["beta"], Names(await api.LangfuseGetAsync($"{Root}?label=staging&limit=1&page=2")));

        Assert.Equal(["alpha", "beta", "delta", "gamma"], Names(await api.LangfuseGetAsync($"{Root}?label=latest")));
        Assert.Equal(["alpha"], Names(await api.LangfuseGetAsync($"{Root}?tag=x")));
        Assert.Equal(["beta"], Names(await api.LangfuseGetAsync($"{Root}?name=beta")));
        Assert.Empty(Names(await api.LangfuseGetAsync($"{Root}?name={Uri.EscapeDataString("team/beta")}")));
        Assert.Empty(Names(await api.LangfuseGetAsync($"{Root}?label=nowhere")));
        Assert.Equal(["alpha"], Names(await api.LangfuseGetAsync($"{Root}?name=alpha&tag=x&label=staging")));

        Assert.Equal(["gamma"], Names(await api.LangfuseGetAsync($"{Root}?fromUpdatedAt={instant}")));
        Assert.Equal(["alpha", "beta", "delta"], Names(await api.LangfuseGetAsync($"{Root}?toUpdatedAt={instant}")));

        // Moving a label updates the version it lands on, as in Langfuse.
        await api.LangfuseAsync(HttpMethod.Patch, $"{PromptPath("alpha")}/versions/1", JsonNode.Parse("""{"newLabels":["canary"]}"""));
        var updated = await api.LangfuseGetAsync($"{Root}?fromUpdatedAt={instant}");
        Assert.Equal(["alpha", "gamma"], Names(updated));
        Assert.Equal("[1]", updated.Json["data"]![0]!["versions"]!.ToJsonString());
    }
}
