using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>The native API's behaviour, run through the local host over HTTP and through the Functions triggers.</summary>
public sealed class PromptApiTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Creating_identical_content_returns_the_existing_version(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("create");

        var first = await api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Samples.Chat(), ["message"] = "first" });
        // Same content with other formatting and key order, and the template_format default spelled out.
        var reordered = JsonNode.Parse("""{"version":{"invocation_parameters":{"temperature":0.20},"template_format":"mustache","model":{"name":"gpt-4o-mini","provider":"openai"},"template":{"type":"chat","messages":[{"content":"You are {{persona}}.","role":"system"},{"role":"user","content":"Hello {{name}}"}]}}}""")!;
        var second = await api.PostAsync($"/api/prompts/{prompt}/versions", reordered);

        Assert.Equal(201, first.Status);
        Assert.Equal(200, second.Status);
        var id = first.Json["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal(id, second.Json["id"]!.GetValue<string>());
        Assert.Equal(1, second.Json["sequence"]!.GetValue<int>());
        Assert.Equal($"/api/prompts/{prompt}/versions/{id}", first.Header("Location"));
        Assert.Equal($"\"{id}.1\"", first.Header("ETag"));
        Assert.True(first.Json["created"]!.GetValue<bool>());
        Assert.False(second.Json["created"]!.GetValue<bool>());
        Assert.Equal("admin", first.Json["created_by"]!.GetValue<string>());
        Assert.Equal("first", first.Json["message"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_version_is_served_by_id_and_by_sequence_with_its_record_in_the_entity_tag(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("immut");
        var created = await api.CreateVersionAsync(prompt, Samples.Chat());
        var id = created["id"]!.GetValue<string>();

        foreach (var reference in new[] { id, "v1" })
        {
            var response = await api.GetAsync($"/api/prompts/{prompt}/versions/{reference}");
            Assert.Equal(200, response.Status);
            Assert.Equal($"\"{id}.1\"", response.Header("ETag"));
            // Not immutable: the version can be deleted, and its id re-created as another record.
            Assert.Equal("private, max-age=3600", response.Header("Cache-Control"));
            Assert.StartsWith("application/json", response.ContentType);
            Assert.Equal("You are {{persona}}.", response.Json["template"]!["messages"]![0]!["content"]!.GetValue<string>());
            Assert.Equal(1, response.Json["sequence"]!.GetValue<int>());
            Assert.NotNull(response.Json["created_at"]);

            var revalidated = await api.GetAsync($"/api/prompts/{prompt}/versions/{reference}", headers: Samples.Header("If-None-Match", $"\"{id}.1\""));
            Assert.Equal(304, revalidated.Status);
            Assert.Equal("", revalidated.Body);
            Assert.Equal($"\"{id}.1\"", revalidated.Header("ETag"));
            // The content id alone does not name the response.
            Assert.Equal(200, (await api.GetAsync($"/api/prompts/{prompt}/versions/{reference}", headers: Samples.Header("If-None-Match", $"\"{id}\""))).Status);
        }
        var other = await api.GetAsync($"/api/prompts/{prompt}/versions/v1", headers: Samples.Header("If-None-Match", "\"something-else\""));
        Assert.Equal(200, other.Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Tag_and_latest_resolve_with_short_caching_and_follow_moves(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("tagfetch");
        var v1 = (await api.CreateVersionAsync(prompt, Samples.Chat(), tags: ["staging"]))["id"]!.GetValue<string>();

        var byTag = await api.GetAsync($"/api/prompts/{prompt}/tags/staging");
        var latest = await api.GetAsync($"/api/prompts/{prompt}/latest");
        Assert.Equal(200, byTag.Status);
        Assert.Equal($"\"{v1}.1\"", byTag.Header("ETag"));
        Assert.Equal("private, max-age=10, stale-while-revalidate=60", byTag.Header("Cache-Control"));
        Assert.Equal(byTag.Body, latest.Body);
        Assert.Equal(304, (await api.GetAsync($"/api/prompts/{prompt}/tags/staging", headers: Samples.Header("If-None-Match", $"\"{v1}.1\""))).Status);

        var v2 = (await api.CreateVersionAsync(prompt, Samples.Chat(user: "Hi {{name}}")))["id"]!.GetValue<string>();
        Assert.Equal($"\"{v2}.2\"", (await api.GetAsync($"/api/prompts/{prompt}/latest")).Header("ETag"));
        var moved = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v2, ["reason"] = "ship" });
        Assert.Equal(200, moved.Status);

        // The tag moved in this process, so its cached resolution is dropped at once: no stale read, and the old
        // validator no longer matches.
        var after = await api.GetAsync($"/api/prompts/{prompt}/tags/staging", headers: Samples.Header("If-None-Match", $"\"{v1}.1\""));
        Assert.Equal(200, after.Status);
        Assert.Equal($"\"{v2}.2\"", after.Header("ETag"));
        Assert.Equal(2, after.Json["sequence"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Keys_and_roles_are_enforced(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("auth");
        await api.CreateVersionAsync(prompt, Samples.Chat());

        var anonymous = await api.GetAsync($"/api/prompts/{prompt}", key: null);
        Assert.Equal(401, anonymous.Status);
        Assert.StartsWith("application/problem+json", anonymous.ContentType);
        Assert.Contains("Bearer", anonymous.Header("WWW-Authenticate"));
        Assert.Equal(401, (await api.GetAsync($"/api/prompts/{prompt}", key: "wrong-key-wrong-key")).Status);
        Assert.Equal(200, (await api.GetAsync("/api/health", key: null)).Status);

        var viaHeader = await api.SendAsync(HttpMethod.Get, $"/api/prompts/{prompt}", key: null, headers: Samples.Header("x-api-key", TestKeys.Reader), contentType: null);
        Assert.Equal(200, viaHeader.Status);

        var readerWrite = await api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Samples.Chat(user: "x") }, key: TestKeys.Reader);
        Assert.Equal(403, readerWrite.Status);
        Assert.Contains("'write'", readerWrite.Json["detail"]!.GetValue<string>());

        // The writer key is configured by digest only, and write includes read.
        Assert.Equal(201, (await api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Samples.Chat(user: "y") }, key: TestKeys.Writer)).Status);
        Assert.Equal(200, (await api.GetAsync($"/api/prompts/{prompt}", key: TestKeys.Writer)).Status);
        Assert.Equal(2, (await api.GetAsync($"/api/prompts/{prompt}")).Json["version_count"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Protected_tags_need_the_promote_role(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("protect");
        var v1 = (await api.CreateVersionAsync(prompt, Samples.Chat()))["id"]!.GetValue<string>();
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();

        var writerMove = await api.PutAsync($"/api/prompts/{prompt}/tags/production", new JsonObject { ["version"] = v1 }, key: TestKeys.Writer);
        var writerCreate = await api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Samples.Chat(user: "new"), ["tags"] = new JsonArray("production") }, key: TestKeys.Writer);
        Assert.Equal(403, writerMove.Status);
        Assert.Contains("promote", writerMove.Json["detail"]!.GetValue<string>());
        Assert.Equal(403, writerCreate.Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        Assert.Equal(201, (await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v1 }, key: TestKeys.Writer)).Status);
        Assert.Equal(201, (await api.PutAsync($"/api/prompts/{prompt}/tags/production", new JsonObject { ["version"] = "v1" }, key: TestKeys.Promoter)).Status);
        Assert.Equal(403, (await api.DeleteAsync($"/api/prompts/{prompt}/tags/production", key: TestKeys.Writer)).Status);
        Assert.Equal(403, (await api.SendAsync(HttpMethod.Post, $"/api/prompts/{prompt}/tags/production/rollback", key: TestKeys.Writer, contentType: null)).Status);
        Assert.Equal(204, (await api.DeleteAsync($"/api/prompts/{prompt}/tags/production", key: TestKeys.Promoter)).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}/tags/production")).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task If_match_guards_tag_moves(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("ifmatch");
        var v1 = (await api.CreateVersionAsync(prompt, Samples.Chat(), tags: ["staging"]))["id"]!.GetValue<string>();
        var v2 = (await api.CreateVersionAsync(prompt, Samples.Chat(user: "two")))["id"]!.GetValue<string>();
        var v3 = (await api.CreateVersionAsync(prompt, Samples.Chat(user: "three")))["id"]!.GetValue<string>();

        var fresh = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v2 }, headers: Samples.Header("If-Match", $"\"{v1}\""));
        Assert.Equal(200, fresh.Status);
        Assert.Equal($"\"{v2}.2\"", fresh.Header("ETag"));

        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var stale = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v3 }, headers: Samples.Header("If-Match", $"\"{v1}\""));
        Assert.Equal(412, stale.Status);
        Assert.StartsWith("application/problem+json", stale.ContentType);
        Assert.Equal(v2, stale.Json["current_version"]!.GetValue<string>());
        var missing = await api.PutAsync($"/api/prompts/{prompt}/tags/canary", new JsonObject { ["version"] = v3 }, headers: Samples.Header("If-Match", "*"));
        Assert.Equal(412, missing.Status);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        // A version id or the entity tag of a fetch ({id}.{sequence}) names the expected target.
        var staleTag = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v3 }, headers: Samples.Header("If-Match", $"\"{v2}.1\""));
        Assert.Equal(412, staleTag.Status);
        var listMatch = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v3 }, headers: Samples.Header("If-Match", $"\"{v1}\", \"{v2}.2\""));
        Assert.Equal(200, listMatch.Status);
        var same = await api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v3 });
        Assert.Equal(200, same.Status);
        Assert.False(same.Json["changed"]!.GetValue<bool>());
        var history = await api.GetAsync($"/api/prompts/{prompt}/tags/staging/history");
        Assert.Equal(3, history.Json["data"]!.AsArray().Count);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Rollback_moves_the_tag_back_in_one_call(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("rb");
        var v1 = (await api.CreateVersionAsync(prompt, Samples.Chat(), tags: ["production"]))["id"]!.GetValue<string>();
        var v2 = (await api.CreateVersionAsync(prompt, Samples.Chat(user: "regressed"), tags: ["production"]))["id"]!.GetValue<string>();
        Assert.Equal($"\"{v2}.2\"", (await api.GetAsync($"/api/prompts/{prompt}/tags/production")).Header("ETag"));

        var rollback = await api.PostAsync($"/api/prompts/{prompt}/tags/production/rollback", new JsonObject { ["reason"] = "quality dropped" }, key: TestKeys.Promoter);

        Assert.Equal(200, rollback.Status);
        Assert.Equal(v1, rollback.Json["version"]!["id"]!.GetValue<string>());
        Assert.Equal("rollback", rollback.Json["history_entry"]!["action"]!.GetValue<string>());
        Assert.Equal($"\"{v1}.1\"", (await api.GetAsync($"/api/prompts/{prompt}/tags/production")).Header("ETag"));
        var history = (await api.GetAsync($"/api/prompts/{prompt}/tags/production/history")).Json["data"]!.AsArray();
        Assert.Equal(["rollback", "move", "create"], history.Select(h => h!["action"]!.GetValue<string>()));
        Assert.Equal("quality dropped", history[0]!["reason"]!.GetValue<string>());
        Assert.Equal("promoter", history[0]!["actor"]!.GetValue<string>());

        var first = Drivers.PromptName("rb-new");
        await api.CreateVersionAsync(first, Samples.Chat(), tags: ["staging"]);
        var nothing = await api.SendAsync(HttpMethod.Post, $"/api/prompts/{first}/tags/staging/rollback", contentType: null);
        Assert.Equal(409, nothing.Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Variables_and_prompt_summary_describe_the_versions(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("vars");
        var template = new JsonObject
        {
            ["template"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "{{#user}}{{user.name}}{{/user}} {{^items}}none{{/items}}" },
                new JsonObject { ["type"] = "placeholder", ["name"] = "history" },
                new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "{{question}}" }) }),
        };
        await api.CreateVersionAsync(prompt, template, tags: ["staging"]);

        var variables = await api.GetAsync($"/api/prompts/{prompt}/versions/v1/variables");
        Assert.Equal(["user", "items", "history", "question"], variables.Json["variables"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["history"], variables.Json["placeholders"]!.AsArray().Select(v => v!.GetValue<string>()));

        var summary = await api.GetAsync($"/api/prompts/{prompt}");
        Assert.Equal(1, summary.Json["version_count"]!.GetValue<int>());
        Assert.Equal("staging", summary.Json["tags"]![0]!["name"]!.GetValue<string>());
        var tags = await api.GetAsync($"/api/prompts/{prompt}/tags");
        Assert.Single(tags.Json["data"]!.AsArray());
    }
}
