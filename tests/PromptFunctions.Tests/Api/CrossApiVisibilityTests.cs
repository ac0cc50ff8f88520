using System.Text.Json.Nodes;
using PromptFunctions.Core.Compatibility.Phoenix;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// A change made through any API is visible at once through every other API of the same instance, even though
/// each keeps short-lived caches (in the worker, under the Functions host): every read below warms them first, so a write path that forgot to drop what the
/// caches hold would be caught by the reads that follow it.
/// </summary>
public sealed class CrossApiVisibilityTests
{
    private const string Production = "production";

    private static JsonObject NativeVersion(string text) => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
    };

    /// <summary>What each API says a prompt's latest version and production tag are ("none" for a 404).</summary>
    private sealed record View(string NativeLatest, string NativeProduction, string PhoenixLatest, string PhoenixProduction, string LangfuseLatest, string LangfuseProduction)
    {
        public void AssertEverywhere(string latest, string production, string change)
        {
            Assert.True(new[] { NativeLatest, PhoenixLatest, LangfuseLatest }.All(v => v == latest), $"after {change}, latest should be {latest} everywhere: {this}");
            Assert.True(new[] { NativeProduction, PhoenixProduction, LangfuseProduction }.All(v => v == production), $"after {change}, production should be {production} everywhere: {this}");
        }
    }

    private static async Task<View> ObserveAsync(IApiDriver api, string prompt)
    {
        async Task<string> Native(string path)
        {
            var response = await api.GetAsync(path);
            Assert.True(response.Status is 200 or 404, response.ToString());
            return response.Status == 404 ? "none" : response.Json["id"]!.GetValue<string>();
        }

        async Task<string> Phoenix(string path)
        {
            var response = await api.GetAsync(path);
            Assert.True(response.Status is 200 or 404, response.ToString());
            return response.Status == 404 ? "none" : PhoenixIds.ParseVersion(response.Json["data"]!["id"]!.GetValue<string>())!.Value.VersionId;
        }

        async Task<string> Langfuse(string label)
        {
            var response = await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?label={label}");
            Assert.True(response.Status is 200 or 404, response.ToString());
            if (response.Status == 404) return "none";
            // Langfuse speaks sequence numbers; the native API maps them back to content ids.
            return await Native($"/api/prompts/{prompt}/versions/v{response.Json["version"]!.GetValue<long>()}");
        }

        return new View(
            await Native($"/api/prompts/{prompt}/latest"),
            await Native($"/api/prompts/{prompt}/tags/{Production}"),
            await Phoenix($"/api/v1/prompts/{prompt}/latest"),
            await Phoenix($"/api/v1/prompts/{prompt}/tags/{Production}"),
            await Langfuse("latest"),
            await Langfuse(Production));
    }

    /// <summary>A prompt with v1 (tagged production) and v2, every API's caches warmed with that state.</summary>
    private static async Task<(string Prompt, string V1, string V2)> ArrangeAsync(IApiDriver api, string stem)
    {
        var prompt = Drivers.PromptName(stem);
        var v1 = (await api.CreateVersionAsync(prompt, NativeVersion("one {{x}}"), tags: [Production]))["id"]!.GetValue<string>();
        var v2 = (await api.CreateVersionAsync(prompt, NativeVersion("two {{x}}")))["id"]!.GetValue<string>();
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, v1, "setup");
        return (prompt, v1, v2);
    }

    private static void AssertStatus(ApiResponse response, params int[] expected) =>
        Assert.True(expected.Contains(response.Status), response.ToString());

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Creates_through_any_api_are_seen_by_every_api(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        var api = host.Api;

        var (prompt, v1, _) = await ArrangeAsync(api, "xcreate-native");
        var created = (await api.CreateVersionAsync(prompt, NativeVersion("three {{x}}")))["id"]!.GetValue<string>();
        (await ObserveAsync(api, prompt)).AssertEverywhere(created, v1, "a native create");

        (prompt, v1, _) = await ArrangeAsync(api, "xcreate-phoenix");
        var phoenix = await api.PostAsync("/api/v1/prompts", new JsonObject { ["prompt"] = new JsonObject { ["name"] = prompt }, ["version"] = PhoenixSamples.Version("from phoenix") });
        AssertStatus(phoenix, 200);
        created = PhoenixIds.ParseVersion(phoenix.Json["data"]!["id"]!.GetValue<string>())!.Value.VersionId;
        (await ObserveAsync(api, prompt)).AssertEverywhere(created, v1, "a Phoenix create");

        (prompt, v1, _) = await ArrangeAsync(api, "xcreate-langfuse");
        var langfuse = await api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root, JsonNode.Parse($$$"""
            {"name": "{{{prompt}}}", "type": "chat", "prompt": [{"role": "user", "content": "from langfuse {{x}}"}], "config": {"model": "stub-model"}}
            """));
        AssertStatus(langfuse, 201);
        created = (await api.GetAsync($"/api/prompts/{prompt}/versions/v{langfuse.Json["version"]!.GetValue<long>()}")).Json["id"]!.GetValue<string>();
        (await ObserveAsync(api, prompt)).AssertEverywhere(created, v1, "a Langfuse create");
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Tag_moves_and_deletes_through_any_api_are_seen_by_every_api(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        var api = host.Api;

        var (prompt, v1, v2) = await ArrangeAsync(api, "xmove-native");
        AssertStatus(await api.PutAsync($"/api/prompts/{prompt}/tags/{Production}", new JsonObject { ["version"] = v2 }), 200);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, v2, "a native tag move");
        AssertStatus(await api.PostAsync($"/api/prompts/{prompt}/tags/{Production}/rollback", new JsonObject { ["reason"] = "back" }), 200);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, v1, "a native rollback");
        AssertStatus(await api.DeleteAsync($"/api/prompts/{prompt}/tags/{Production}"), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, "none", "a native tag delete");

        (prompt, v1, v2) = await ArrangeAsync(api, "xmove-phoenix");
        AssertStatus(await api.PostAsync($"/api/v1/prompt_versions/{PhoenixIds.Version(prompt, v2)}/tags", new JsonObject { ["name"] = Production }), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, v2, "a Phoenix tag move");
        AssertStatus(await api.DeleteAsync($"/api/v1/prompt_versions/{PhoenixIds.Version(prompt, v2)}/tags/{Production}"), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, "none", "a Phoenix tag delete");

        (prompt, v1, v2) = await ArrangeAsync(api, "xmove-langfuse");
        AssertStatus(await api.LangfuseAsync(HttpMethod.Patch, $"{LangfuseTestClient.PromptPath(prompt)}/versions/2", new JsonObject { ["newLabels"] = new JsonArray(Production) }), 200);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v2, v2, "a Langfuse label move");
        // Langfuse deletes what a label points at together with the label.
        AssertStatus(await api.LangfuseAsync(HttpMethod.Delete, $"{LangfuseTestClient.PromptPath(prompt)}?label={Production}"), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere(v1, "none", "a Langfuse delete by label");
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Prompt_updates_and_deletes_through_any_api_are_seen_by_every_api(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        var api = host.Api;

        // Phoenix metadata is the prompt's metadata; Langfuse shows its tags from there.
        var (prompt, _, _) = await ArrangeAsync(api, "xupdate-phoenix");
        Assert.Empty(LangfuseTestClient.Strings((await api.LangfuseGetAsync(LangfuseTestClient.PromptPath(prompt) + "?label=latest")).Json["tags"]));
        AssertStatus(await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", """{"description": "patched", "metadata": {"langfuse_tags": ["from-phoenix"]}}"""), 200);
        Assert.Equal(["from-phoenix"], LangfuseTestClient.Strings((await api.LangfuseGetAsync(LangfuseTestClient.PromptPath(prompt) + "?label=latest")).Json["tags"]));
        Assert.Equal("patched", (await api.GetAsync($"/api/prompts/{prompt}")).Json["description"]!.GetValue<string>());

        // Langfuse tags written with a new version are visible to Phoenix and the native API.
        (prompt, _, _) = await ArrangeAsync(api, "xupdate-langfuse");
        AssertStatus(await api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root, JsonNode.Parse($$$"""
            {"name": "{{{prompt}}}", "type": "chat", "prompt": [{"role": "user", "content": "tagged {{x}}"}], "config": {"model": "stub-model"}, "tags": ["from-langfuse"]}
            """)), 201);
        var listed = await api.GetAsync("/api/v1/prompts?limit=1000");
        Assert.Equal(["from-langfuse"], LangfuseTestClient.Strings(listed.Json["data"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == prompt)!["metadata"]!["langfuse_tags"]));
        Assert.Equal(["from-langfuse"], LangfuseTestClient.Strings((await api.GetAsync($"/api/prompts/{prompt}")).Json["metadata"]!["langfuse_tags"]));

        (prompt, _, _) = await ArrangeAsync(api, "xdelete-phoenix");
        AssertStatus(await api.DeleteAsync($"/api/v1/prompts/{prompt}"), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere("none", "none", "a Phoenix prompt delete");

        (prompt, _, _) = await ArrangeAsync(api, "xdelete-langfuse");
        AssertStatus(await api.LangfuseAsync(HttpMethod.Delete, LangfuseTestClient.PromptPath(prompt)), 204);
        (await ObserveAsync(api, prompt)).AssertEverywhere("none", "none", "a Langfuse prompt delete");

        // Deleting the latest version alone makes the one before it latest, everywhere.
        var (v1Prompt, v1, _) = await ArrangeAsync(api, "xdelete-version");
        AssertStatus(await api.LangfuseAsync(HttpMethod.Delete, $"{LangfuseTestClient.PromptPath(v1Prompt)}?version=2"), 204);
        (await ObserveAsync(api, v1Prompt)).AssertEverywhere(v1, v1, "a Langfuse version delete");
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_promotion_is_seen_by_every_api(string kind)
    {
        await using var host = await ExperimentTestHost.StartAsync(kind);
        var api = host.Api;
        var (prompt, v1, _) = await ArrangeAsync(api, "xpromote");
        await host.UploadAsync($"{prompt}-data", [new JsonObject { ["input"] = new JsonObject { ["x"] = "a" }, ["expected"] = "a" }]);
        var experiment = await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = prompt, ["draft"] = NativeVersion("promoted {{x}}"), ["parent"] = v1 },
            ["dataset"] = new JsonObject { ["name"] = $"{prompt}-data" },
        });
        var id = (await host.WaitAsync(experiment["id"]!.GetValue<string>()))["id"]!.GetValue<string>();

        var promoted = await api.PostAsync($"/api/experiments/{id}/promote", new JsonObject { ["tag"] = Production });
        AssertStatus(promoted, 201);
        var created = promoted.Json["id"]!.GetValue<string>();
        (await ObserveAsync(api, prompt)).AssertEverywhere(created, created, "a promotion");
    }
}
