using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using static PromptFunctions.Tests.Api.LangfuseTestClient;

namespace PromptFunctions.Tests.Api;

/// <summary>The Langfuse public prompt API on both hosts, checked against the native API over the same storage.</summary>
public sealed class LangfuseApiTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_text_prompt_is_created_and_read_by_default_label_by_label_and_by_version(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lftext");

        var created = await api.CreateLangfuseAsync(Text(name, "Hi {{name}}", ["production", "staging"], new JsonObject { ["model"] = "gpt-4o" }, "first", ["team-a"]));

        Assert.Equal(name, created["name"]!.GetValue<string>());
        Assert.Equal(1, created["version"]!.GetValue<int>());
        Assert.Equal("text", created["type"]!.GetValue<string>());
        Assert.Equal("Hi {{name}}", created["prompt"]!.GetValue<string>());
        Assert.Equal(["production", "staging", "latest"], Strings(created["labels"]));
        Assert.Equal(["team-a"], Strings(created["tags"]));
        Assert.Equal("first", created["commitMessage"]!.GetValue<string>());
        Assert.Equal("admin", created["createdBy"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", created["id"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", created["createdAt"]!.GetValue<string>());
        Assert.True(created.ContainsKey("resolutionGraph") && created["resolutionGraph"] is null);
        Assert.False(created.ContainsKey("isActive"));

        var byDefault = await api.LangfuseGetAsync(PromptPath(name));
        Assert.Equal(200, byDefault.Status);
        Assert.True(byDefault.Json["isActive"]!.GetValue<bool>());
        foreach (var query in new[] { "?label=staging", "?label=latest", "?version=1", "?label=production" })
        {
            var response = await api.LangfuseGetAsync(PromptPath(name) + query);
            Assert.Equal(200, response.Status);
            Assert.Equal(created["id"]!.GetValue<string>(), response.Json["id"]!.GetValue<string>());
            Assert.Equal(created["config"]!.ToJsonString(), response.Json["config"]!.ToJsonString());
        }

        AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?label=staging&version=1"), 400, "InvalidRequestError");
        Assert.Contains($"Prompt not found: '{name}' with label 'canary'", AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?label=canary"), 404, "LangfuseNotFoundError"));
        Assert.Contains($"Prompt not found: '{name}' with version 7", AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?version=7"), 404, "LangfuseNotFoundError"));
        Assert.Contains("with label 'production'", AssertError(await api.LangfuseGetAsync(PromptPath(Drivers.PromptName("nobody"))), 404, "LangfuseNotFoundError"));
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Config_reads_back_exactly_as_sent_while_model_fields_become_the_versions_model_and_parameters(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfconfig");
        var config = JsonNode.Parse("""
            {"model":"claude-sonnet-4","provider":"anthropic","temperature":1,"max_tokens":300,"top_p":0.9,"stop":"END",
             "response_format":{"type":"json_object"},"tools":[{"name":"search"}],"nested":{"a":[1,"two",null,{"b":false}]},
             "nothing":null,"seed":42}
            """)!;

        var created = await api.CreateLangfuseAsync(Text(name, "Summarize {{text}}", config: config));
        var fetched = await api.LangfuseGetAsync(PromptPath(name) + "?version=1");

        Assert.True(JsonNode.DeepEquals(config, created["config"]), created["config"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(config, fetched.Json["config"]), fetched.Json["config"]!.ToJsonString());

        // The native view of the same version: typed model and parameters, the rest kept in metadata.
        var native = (await api.GetAsync($"/api/prompts/{name}/versions/v1")).Json;
        Assert.Equal(created["id"]!.GetValue<string>(), native["id"]!.GetValue<string>());
        AssertJson("""{"name":"claude-sonnet-4","provider":"anthropic"}""", native["model"]);
        Assert.Equal(1, native["invocation_parameters"]!["temperature"]!.GetValue<double>());
        Assert.Equal(300, native["invocation_parameters"]!["max_tokens"]!.GetValue<int>());
        Assert.Equal(42, native["invocation_parameters"]!["seed"]!.GetValue<int>());
        Assert.Equal("""["END"]""", native["invocation_parameters"]!["stop"]!.ToJsonString());
        var kept = native["metadata"]!["langfuse_config"]!.AsObject();
        Assert.Equal(["nested", "nothing", "provider", "response_format", "stop", "tools"], kept.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("Summarize {{text}}", native["template"]!["template"]!.GetValue<string>());
        Assert.Equal("mustache", native["template_format"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Configs_without_a_provider_non_object_configs_and_no_config_round_trip(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfconfig2");

        await api.CreateLangfuseAsync(Text(name, "one", config: JsonNode.Parse("""{"model":"gpt-4o-mini","temperature":0.3}""")));
        await api.CreateLangfuseAsync(Text(name, "two", config: JsonNode.Parse("""["not", "an", "object"]""")));
        await api.CreateLangfuseAsync(Text(name, "three"));

        Assert.Equal("""{"model":"gpt-4o-mini","temperature":0.3}""", (await api.LangfuseGetAsync(PromptPath(name) + "?version=1")).Json["config"]!.ToJsonString());
        AssertJson("""{"name":"gpt-4o-mini","provider":"openai"}""", (await api.GetAsync($"/api/prompts/{name}/versions/v1")).Json["model"]);
        Assert.Equal("""["not","an","object"]""", (await api.LangfuseGetAsync(PromptPath(name) + "?version=2")).Json["config"]!.ToJsonString());
        Assert.Equal("{}", (await api.LangfuseGetAsync(PromptPath(name) + "?version=3")).Json["config"]!.ToJsonString());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Chat_prompts_with_placeholders_map_to_chat_templates(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfchat");
        var body = JsonNode.Parse($$$"""
            {"name":"{{{name}}}","type":"chat","prompt":[
              {"role":"system","content":"You are {{persona}}.","type":"chatmessage"},
              {"type":"placeholder","name":"history"},
              {"role":"user","content":"{{question}}"}],
             "labels":["staging"],"config":{"model":"gpt-4o"}}
            """)!.AsObject();

        var created = await api.CreateLangfuseAsync(body);
        var fetched = (await api.LangfuseGetAsync(PromptPath(name) + "?label=staging")).Json;

        var expected = """[{"role":"system","content":"You are {{persona}}."},{"type":"placeholder","name":"history"},{"role":"user","content":"{{question}}"}]""";
        Assert.Equal("chat", created["type"]!.GetValue<string>());
        Assert.Equal(expected, created["prompt"]!.ToJsonString());
        Assert.Equal(expected, fetched["prompt"]!.ToJsonString());
        var native = (await api.GetAsync($"/api/prompts/{name}/tags/staging")).Json;
        AssertJson("""{"type":"chat","messages":[{"role":"system","content":"You are {{persona}}."},{"type":"placeholder","name":"history"},{"role":"user","content":"{{question}}"}]}""", native["template"]);
        var variables = (await api.GetAsync($"/api/prompts/{name}/versions/v1/variables")).Json;
        Assert.Equal("""["history"]""", variables["placeholders"]!.ToJsonString());

        // A natively created chat version with content parts reads as Langfuse messages too.
        await api.CreateVersionAsync(name, JsonNode.Parse("""{"template":[{"role":"user","content":[{"type":"text","text":"Hi {{x}}"}]}],"model":{"provider":"openai","name":"gpt-4o"},"invocation_parameters":{"temperature":0.1}}""")!);
        var nativeVersion = (await api.LangfuseGetAsync(PromptPath(name) + "?label=latest")).Json;
        Assert.Equal(2, nativeVersion["version"]!.GetValue<int>());
        AssertJson("""[{"role":"user","content":[{"type":"text","text":"Hi {{x}}"}]}]""", nativeVersion["prompt"]);
        AssertJson("""{"model":"gpt-4o","provider":"openai","temperature":0.1}""", nativeVersion["config"]);
        Assert.Null(nativeVersion["commitMessage"]);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Labels_move_between_versions_with_history_and_latest_follows_the_newest(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lflabels");
        await api.CreateLangfuseAsync(Text(name, "v1", ["staging"]));
        var second = await api.CreateLangfuseAsync(Text(name, "v2", ["staging"], commitMessage: "second"));

        Assert.Equal(["staging", "latest"], Strings(second["labels"]));
        Assert.Equal([], Strings((await api.LangfuseGetAsync(PromptPath(name) + "?version=1")).Json["labels"]));

        var patched = await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/1", JsonNode.Parse("""{"newLabels":["staging","canary"]}"""));
        Assert.Equal(200, patched.Status);
        Assert.Equal(1, patched.Json["version"]!.GetValue<int>());
        Assert.Equal(["canary", "staging"], Strings(patched.Json["labels"]));
        Assert.Equal(["latest"], Strings((await api.LangfuseGetAsync(PromptPath(name) + "?version=2")).Json["labels"]));
        Assert.Equal("v1", (await api.LangfuseGetAsync(PromptPath(name) + "?label=staging")).Json["prompt"]!.GetValue<string>());

        // Adding labels a version already has changes nothing, and the union stays.
        var again = await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/1", JsonNode.Parse("""{"newLabels":["canary"]}"""));
        Assert.Equal(["canary", "staging"], Strings(again.Json["labels"]));

        var history = (await api.GetAsync($"/api/prompts/{name}/tags/staging/history")).Json["data"]!.AsArray();
        Assert.Equal(["move", "move", "create"], history.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal([1, 2, 1], history.Select(e => e!["to"]!["sequence"]!.GetValue<int>()));
        Assert.Equal("second", history[1]!["reason"]!.GetValue<string>());
        Assert.All(history, e => Assert.Equal("admin", e!["actor"]!.GetValue<string>()));
        Assert.Single((await api.GetAsync($"/api/prompts/{name}/tags/canary/history")).Json["data"]!.AsArray());

        var third = await api.CreateLangfuseAsync(Text(name, "v3"));
        Assert.Equal(["latest"], Strings(third["labels"]));
        Assert.DoesNotContain("latest", Strings((await api.LangfuseGetAsync(PromptPath(name) + "?version=2")).Json["labels"]));
        Assert.DoesNotContain((await api.GetAsync($"/api/prompts/{name}/tags")).Json["data"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "latest");

        Assert.Contains("latest", AssertError(await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/1", JsonNode.Parse("""{"newLabels":["latest"]}""")), 400, "InvalidRequestError"));
        Assert.Contains("version 9", AssertError(await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/9", JsonNode.Parse("""{"newLabels":["x"]}""")), 404, "LangfuseNotFoundError"));
        AssertError(await api.LangfuseAsync(HttpMethod.Patch, PromptPath(Drivers.PromptName("nobody")) + "/versions/1", JsonNode.Parse("""{"newLabels":["x"]}""")), 404, "LangfuseNotFoundError");
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Prompt_tags_apply_to_every_version_and_carry_over_when_omitted(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lftags");
        await api.CreateLangfuseAsync(Text(name, "v1", tags: ["a", "b"]));
        var second = await api.CreateLangfuseAsync(Text(name, "v2"));
        Assert.Equal(["a", "b"], Strings(second["tags"]));

        var third = await api.CreateLangfuseAsync(Text(name, "v3", tags: ["c"]));
        Assert.Equal(["c"], Strings(third["tags"]));
        Assert.Equal(["c"], Strings((await api.LangfuseGetAsync(PromptPath(name) + "?version=1")).Json["tags"]));
        Assert.Equal("""{"langfuse_tags":["c"]}""", (await api.GetAsync($"/api/prompts/{name}")).Json["metadata"]!.ToJsonString());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Identical_content_returns_the_existing_version_with_200(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfsame");
        var first = await api.CreateLangfuseAsync(Text(name, "same", config: new JsonObject { ["model"] = "gpt-4o" }));
        await api.CreateLangfuseAsync(Text(name, "other"));

        var again = await api.LangfuseAsync(HttpMethod.Post, Root, Text(name, "same", ["staging"], new JsonObject { ["model"] = "gpt-4o" }, "again"));

        Assert.Equal(200, again.Status);
        Assert.Equal(first["id"]!.GetValue<string>(), again.Json["id"]!.GetValue<string>());
        Assert.Equal(1, again.Json["version"]!.GetValue<int>());
        Assert.Equal(["staging"], Strings(again.Json["labels"]));
        Assert.Equal(2, (await api.GetAsync($"/api/prompts/{name}")).Json["version_count"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_new_version_cannot_change_the_type_and_changes_nothing(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lftype");
        await api.CreateLangfuseAsync(Text(name, "text first"));
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();

        var chat = JsonNode.Parse($$"""{"name":"{{name}}","type":"chat","prompt":[{"role":"user","content":"hi"}],"labels":["staging"]}""");
        var message = AssertError(await api.LangfuseAsync(HttpMethod.Post, Root, chat), 400, "InvalidRequestError");

        Assert.Contains("cannot change the type to chat", message);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Deleting_by_version_removes_it_and_its_labels_and_latest_moves_back(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfdelv");
        var v1 = await api.CreateLangfuseAsync(Text(name, "v1", ["staging"]));
        await api.CreateLangfuseAsync(Text(name, "v2", ["canary"]));
        await api.CreateLangfuseAsync(Text(name, "v3"));

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?version=2")).Status);
        AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?version=2"), 404, "LangfuseNotFoundError");
        AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?label=canary"), 404, "LangfuseNotFoundError");
        Assert.Equal("delete", (await api.GetAsync($"/api/prompts/{name}/tags/canary/history")).Json["data"]![0]!["action"]!.GetValue<string>());
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{name}/versions/v2")).Status);

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?version=3")).Status);
        var latest = (await api.LangfuseGetAsync(PromptPath(name) + "?label=latest")).Json;
        Assert.Equal(1, latest["version"]!.GetValue<int>());
        Assert.Equal(["staging", "latest"], Strings(latest["labels"]));
        Assert.Equal(1, (await api.GetAsync($"/api/prompts/{name}/latest")).Json["sequence"]!.GetValue<int>());

        // Content stays in storage: posting v3's content again restores its id under a new version number.
        var restored = await api.CreateLangfuseAsync(Text(name, "v3"));
        Assert.Equal(4, restored["version"]!.GetValue<int>());
        Assert.Contains("with version 9", AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?version=9"), 404, "LangfuseNotFoundError"));
        Assert.Equal(v1["id"]!.GetValue<string>(), (await api.LangfuseGetAsync(PromptPath(name) + "?label=staging")).Json["id"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Deleting_by_label_removes_the_versions_that_carry_it_as_Langfuse_does(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfdell");
        await api.CreateLangfuseAsync(Text(name, "v1", ["staging"]));
        await api.CreateLangfuseAsync(Text(name, "v2", ["canary"]));

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?label=staging")).Status);

        AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?version=1"), 404, "LangfuseNotFoundError");
        Assert.Equal(2, (await api.LangfuseGetAsync(PromptPath(name) + "?label=canary")).Json["version"]!.GetValue<int>());
        Assert.Contains("with label 'staging'", AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?label=staging"), 404, "LangfuseNotFoundError"));

        // 'latest' names the newest version; deleting the last one deletes the prompt.
        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?label=latest")).Status);
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{name}")).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Deleting_without_version_or_label_removes_every_version(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfdelall");
        await api.CreateLangfuseAsync(Text(name, "v1", ["staging"]));
        await api.CreateLangfuseAsync(Text(name, "v2"));
        Assert.Equal(200, (await api.LangfuseGetAsync(PromptPath(name) + "?label=staging")).Status);

        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name))).Status);

        AssertError(await api.LangfuseGetAsync(PromptPath(name) + "?label=staging"), 404, "LangfuseNotFoundError");
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{name}")).Status);
        AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name)), 404, "LangfuseNotFoundError");
        var listed = await api.LangfuseGetAsync($"{Root}?name={name}");
        Assert.Equal("""{"page":1,"limit":10,"totalItems":0,"totalPages":0}""", listed.Json["meta"]!.ToJsonString());
        // Unlike Langfuse, numbers are never reused: a URL naming version 1 keeps naming the same content.
        Assert.Equal(3, (await api.CreateLangfuseAsync(Text(name, "again")))["version"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Basic_credentials_need_the_keys_name_and_secret_and_native_routes_still_refuse_them(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfauth");
        await api.CreateLangfuseAsync(Text(name, "hello", ["staging"]));
        var path = PromptPath(name) + "?label=staging";

        Assert.Equal(200, (await api.LangfuseGetAsync(path, Reader)).Status);
        Assert.Contains("public key", AssertError(await api.LangfuseGetAsync(path, ("admin", TestKeys.Reader)), 401, "UnauthorizedError"));
        Assert.Contains("secret key", AssertError(await api.LangfuseGetAsync(path, ("reader", "wrong-secret-0123456789")), 401, "UnauthorizedError"));
        var missing = await api.SendAsync(HttpMethod.Get, path, key: null, contentType: null);
        Assert.Contains("No credentials", AssertError(missing, 401, "UnauthorizedError"));
        Assert.StartsWith("Basic", missing.Header("WWW-Authenticate"));
        Assert.Contains("Basic credentials", AssertError(await api.SendAsync(HttpMethod.Get, path, key: TestKeys.Admin, contentType: null), 401, "UnauthorizedError"));
        Assert.Contains("base64", AssertError(await api.SendAsync(HttpMethod.Get, path, key: null, headers: Samples.Header("Authorization", "Basic !!!"), contentType: null), 401, "UnauthorizedError"));

        // The writer key is configured by its digest only; Basic works with it too.
        Assert.Equal(201, (await api.LangfuseAsync(HttpMethod.Post, Root, Text(name, "by writer"), Writer)).Status);
        Assert.Contains("'write'", AssertError(await api.LangfuseAsync(HttpMethod.Post, Root, Text(name, "by reader"), Reader), 403, "ForbiddenError"));

        var basicOnNative = await api.SendAsync(HttpMethod.Get, $"/api/prompts/{name}", key: null, headers: Credentials(Admin), contentType: null);
        Assert.Equal(401, basicOnNative.Status);
        Assert.StartsWith("application/problem+json", basicOnNative.ContentType);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Protected_labels_need_the_promote_role_on_every_route_that_moves_or_removes_them(string kind)
    {
        var api = hosts[kind];
        var name = Drivers.PromptName("lfprot");
        await api.CreateLangfuseAsync(Text(name, "v1", ["production"]), Promoter);
        await api.CreateLangfuseAsync(Text(name, "v2"), Writer);
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();

        Assert.Contains("'production' is protected", AssertError(await api.LangfuseAsync(HttpMethod.Post, Root, Text(name, "v3", ["production"]), Writer), 403, "ForbiddenError"));
        AssertError(await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/2", JsonNode.Parse("""{"newLabels":["production"]}"""), Writer), 403, "ForbiddenError");
        AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?version=1", key: Writer), 403, "ForbiddenError");
        AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name) + "?label=production", key: Writer), 403, "ForbiddenError");
        AssertError(await api.LangfuseAsync(HttpMethod.Delete, PromptPath(name), key: Writer), 403, "ForbiddenError");
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        var promoted = await api.LangfuseAsync(HttpMethod.Patch, PromptPath(name) + "/versions/2", JsonNode.Parse("""{"newLabels":["production"]}"""), Promoter);
        Assert.Equal(200, promoted.Status);
        Assert.Equal(["production", "latest"], Strings(promoted.Json["labels"]));
        Assert.Equal("promoter", (await api.GetAsync($"/api/prompts/{name}/tags/production/history")).Json["data"]![0]!["actor"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Names_Langfuse_allows_but_we_cannot_store_get_a_400_that_says_why(string kind)
    {
        var api = hosts[kind];
        var folder = AssertError(await api.LangfuseGetAsync($"{Root}/{Uri.EscapeDataString("team/greeting")}"), 400, "InvalidRequestError");
        Assert.Contains("'team/greeting'", folder);
        Assert.Contains("folders", folder);
        Assert.Contains("lowercase", AssertError(await api.LangfuseAsync(HttpMethod.Post, Root, Text("Greeting", "hi")), 400, "InvalidRequestError"));
    }

    [Fact]
    public async Task Routing_errors_under_the_Langfuse_paths_answer_in_Langfuse_form()
    {
        // Only the local host has a routing layer of its own; the Functions host answers these before our code runs.
        var api = hosts[Drivers.LocalHost];
        Assert.Contains("does not accept PUT", AssertError(await api.LangfuseAsync(HttpMethod.Put, Root, new JsonObject()), 405, "MethodNotAllowedError"));
        Assert.Contains("No API route", AssertError(await api.LangfuseGetAsync($"{Root}/team/greeting"), 404, "LangfuseNotFoundError"));
        Assert.StartsWith("application/problem+json", (await api.GetAsync("/api/nowhere")).ContentType);
    }

    /// <summary>Stored documents are canonical (members sorted), so JSON is compared by value, not by text.</summary>
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");
}
