using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, family 9: an entity tag names one response body for as long as the service exists, nothing that can be
/// deleted is served as immutable, and <c>version_count</c> counts the versions there are. On native, Phoenix and
/// Langfuse reads alike, and after deletes and re-creates.
/// </summary>
public sealed class RepresentationIdentityTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private static JsonObject Version(string text) => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o-mini" },
    };

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task After_delete_and_recreate_the_same_content_has_a_new_entity_tag_and_the_old_one_no_longer_matches(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("ident");
        var id = (await api.CreateVersionAsync(prompt, Version("Same {{x}}"), message: "first life"))["id"]!.GetValue<string>();
        var before = await api.GetAsync($"/api/prompts/{prompt}/versions/{id}");
        Assert.Equal($"\"{id}.1\"", before.Header("ETag"));

        Assert.Equal(204, (await api.DeleteAsync($"/api/v1/prompts/{prompt}")).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}/versions/{id}")).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}/versions/v1")).Status);
        await api.CreateVersionAsync(prompt, Version("Same {{x}}"), message: "second life");

        var after = await api.GetAsync($"/api/prompts/{prompt}/versions/{id}", headers: Samples.Header("If-None-Match", before.Header("ETag")!));
        Assert.Equal(200, after.Status);
        Assert.Equal($"\"{id}.2\"", after.Header("ETag"));
        Assert.Equal(2, after.Json["sequence"]!.GetValue<int>());
        Assert.Equal("second life", after.Json["message"]!.GetValue<string>());
        Assert.NotEqual(before.Body, after.Body);
        // v1 is gone for good; v2 is the re-created version. Sequence numbers are never reused.
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}/versions/v1")).Status);
        Assert.Equal(after.Body, (await api.GetAsync($"/api/prompts/{prompt}/versions/v2")).Body);
        foreach (var path in new[] { $"/api/prompts/{prompt}/versions/{id}", $"/api/prompts/{prompt}/versions/v2", $"/api/prompts/{prompt}/latest" })
        {
            var response = await api.GetAsync(path);
            Assert.DoesNotContain("immutable", response.Header("Cache-Control"));
            Assert.Equal(304, (await api.GetAsync(path, headers: Samples.Header("If-None-Match", response.Header("ETag")!))).Status);
        }
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Version_count_counts_the_versions_there_are_after_deletes_and_recreates(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("count");
        foreach (var text in new[] { "one", "two", "three" }) await api.CreateVersionAsync(prompt, Version(text));
        async Task<(long Detail, long Listed)> CountsAsync()
        {
            var detail = (await api.GetAsync($"/api/prompts/{prompt}")).Json["version_count"]!.GetValue<long>();
            var summary = await ListedAsync(api, prompt);
            return (detail, summary!["version_count"]!.GetValue<long>());
        }
        Assert.Equal((3L, 3L), await CountsAsync());

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, $"{LangfuseTestClient.PromptPath(prompt)}?version=2")).Status);
        Assert.Equal((2L, 2L), await CountsAsync());
        await api.CreateVersionAsync(prompt, Version("four"));
        Assert.Equal((3L, 3L), await CountsAsync());
        var versions = (await api.GetAsync($"/api/prompts/{prompt}/versions")).Json["data"]!.AsArray();
        Assert.Equal([4L, 3L, 1L], versions.Select(v => v!["sequence"]!.GetValue<long>()));

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, LangfuseTestClient.PromptPath(prompt))).Status);
        Assert.Null(await ListedAsync(api, prompt));
        await api.CreateVersionAsync(prompt, Version("five"));
        Assert.Equal((1L, 1L), await CountsAsync());
        Assert.Equal(5, (await api.GetAsync($"/api/prompts/{prompt}/latest")).Json["sequence"]!.GetValue<int>());
        Assert.True(await PromptStorage.AssertConsistentAsync(api, prompt));
    }

    private static async Task<JsonNode?> ListedAsync(IApiDriver api, string prompt)
    {
        string? cursor = null;
        do
        {
            var page = (await api.GetAsync($"/api/prompts?limit=100{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}")).Json;
            if (page["data"]!.AsArray().FirstOrDefault(p => p!["name"]!.GetValue<string>() == prompt) is { } found) return found;
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return null;
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Phoenix_and_Langfuse_reads_follow_a_recreated_prompt_and_are_never_cached_as_immutable(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("compat");
        var first = await api.PostAsync("/api/v1/prompts", PhoenixSamples.Create(prompt, PhoenixSamples.Version(user: "Hi {{name}}")));
        Assert.Equal(200, first.Status);
        var phoenixId = first.Json["data"]!["id"]!.GetValue<string>();
        var lfBefore = await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?version=1");
        Assert.Equal(200, lfBefore.Status);

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, LangfuseTestClient.PromptPath(prompt))).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/v1/prompt_versions/{phoenixId}")).Status);
        Assert.Equal(404, (await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?version=1")).Status);
        Assert.Equal(200, (await api.PostAsync("/api/v1/prompts", PhoenixSamples.Create(prompt, PhoenixSamples.Version(user: "Hi {{name}}")))).Status);

        // Phoenix's version holds only content, so the same id serves the same body; Langfuse's carries the new
        // version number.
        var phoenix = await api.GetAsync($"/api/v1/prompt_versions/{phoenixId}");
        Assert.Equal(200, phoenix.Status);
        Assert.Equal(first.Body, phoenix.Body);
        var lf = await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?label=latest");
        Assert.Equal(2, lf.Json["version"]!.GetValue<int>());
        Assert.Equal(404, (await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?version=1")).Status);
        foreach (var response in new[] { phoenix, lf })
        {
            Assert.Equal("private, no-cache", response.Header("Cache-Control"));
            Assert.Null(response.Header("ETag"));
        }
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Cacheable_responses_are_private_unless_shared_caching_is_turned_on(string kind)
    {
        foreach (var shared in new[] { false, true })
        {
            await using var api = await Drivers.StartAsync(kind, new Dictionary<string, string?> { ["PromptHub:SharedCaching"] = shared ? "true" : "false" });
            var prompt = Drivers.PromptName("shared");
            var id = (await api.CreateVersionAsync(prompt, Version("Hi {{x}}"), tags: ["staging"]))["id"]!.GetValue<string>();
            var scope = shared ? "public" : "private";

            Assert.Equal($"{scope}, max-age=3600", (await api.GetAsync($"/api/prompts/{prompt}/versions/{id}")).Header("Cache-Control"));
            Assert.Equal($"{scope}, max-age=10, stale-while-revalidate=60", (await api.GetAsync($"/api/prompts/{prompt}/tags/staging")).Header("Cache-Control"));
            // What never allows caching stays private either way, errors included.
            Assert.Equal("private, no-cache", (await api.GetAsync($"/api/prompts/{prompt}")).Header("Cache-Control"));
            Assert.Equal("private, no-cache", (await api.GetAsync("/api/prompts/nobody-at-all")).Header("Cache-Control"));
        }
    }
}
