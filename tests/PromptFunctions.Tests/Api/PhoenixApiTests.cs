using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;
using static PromptFunctions.Tests.Api.PhoenixSamples;

namespace PromptFunctions.Tests.Api;

/// <summary>The Phoenix prompt API on both hosts: shapes, status codes, ids, paging and the mapping onto the native model.</summary>
public sealed class PhoenixApiTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Created_version_comes_back_exactly_as_sent_from_every_read(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-rt");
        var sent = RichVersion();

        var response = await api.PostAsync("/api/v1/prompts", Create(prompt, sent));
        Assert.Equal(200, response.Status);
        Assert.Equal("15.5.0", response.Header(ServerVersionHeader));
        var created = response.Json["data"]!;
        AssertJsonEqual(sent, created.WithoutId());
        Assert.Equal("description,model_provider,model_name,template,template_type,template_format,invocation_parameters,tools,response_format,id",
            string.Join(',', created.AsObject().Select(p => p.Key)));

        var id = created.Id();
        await api.TagAsync(id, "staging");
        foreach (var path in new[]
                 {
                     $"/api/v1/prompts/{prompt}/latest", $"/api/v1/prompt_versions/{id}", $"/api/v1/prompts/{prompt}/tags/staging",
                     $"/api/v1/prompts/{Uri.EscapeDataString(PromptIdOf(prompt))}/latest",
                 })
        {
            var read = await api.GetAsync(path);
            Assert.True(read.Status == 200, $"{path}: {read}");
            Assert.Equal("15.5.0", read.Header(ServerVersionHeader));
            AssertJsonEqual(created, read.Json["data"]);
        }
        var listed = await api.GetAsync($"/api/v1/prompts/{prompt}/versions");
        AssertJsonEqual(created, listed.Json["data"]![0]);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_Phoenix_version_is_the_same_content_through_the_native_API(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-native");
        var created = await api.CreateAsync(prompt, RichVersion());

        var native = (await api.GetAsync($"/api/prompts/{prompt}/latest")).Json;
        Assert.Equal(1, native["sequence"]!.GetValue<int>());
        Assert.Equal("admin", native["created_by"]!.GetValue<string>());
        AssertJsonEqual(new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o" }, native["model"]);
        Assert.Equal("f_string", native["template_format"]!.GetValue<string>());
        AssertJsonEqual(created["template"]!, native["template"]);
        AssertJsonEqual(created["invocation_parameters"]!["openai"]!, native["invocation_parameters"]);
        AssertJsonEqual(JsonNode.Parse("""{"type":"function","function":{"name":"lookup"}}""")!, native["tools"]!["tool_choice"]);
        Assert.False(native["tools"]!["parallel_tool_calls"]!.GetValue<bool>());
        AssertJsonEqual(created["response_format"]!, native["response_format"]);
        Assert.Equal("rich", native["description"]!.GetValue<string>());

        // The version id is the native content id, wrapped.
        Assert.Equal($"PromptVersion:{prompt}:{native["id"]!.GetValue<string>()}", DecodeId(created.Id()));
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_native_version_reads_through_Phoenix_with_Phoenix_normalizations(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-fromnative");
        var native = await api.CreateVersionAsync(prompt, JsonNode.Parse("""
            {"template": [{"role": "system", "content": "Be {{persona}}."}, {"role": "assistant", "content": "ok"}],
             "model": {"provider": "groq", "name": "llama-3.3"},
             "invocation_parameters": {"temperature": 0.3, "stop": "END"}}
            """)!, tags: ["staging"]);

        var read = await api.GetAsync($"/api/v1/prompts/{prompt}/tags/staging");
        Assert.Equal(200, read.Status);
        AssertJsonEqual(JsonNode.Parse($$$"""
            {"description": "", "model_provider": "GROQ", "model_name": "llama-3.3",
             "template": {"type": "chat", "messages": [{"role": "system", "content": "Be {{persona}}."}, {"role": "assistant", "content": "ok"}]},
             "template_type": "CHAT", "template_format": "MUSTACHE",
             "invocation_parameters": {"type": "openai", "openai": {"stop": ["END"], "temperature": 0.3}},
             "id": "{{{Encode($"PromptVersion:{prompt}:{native["id"]!.GetValue<string>()}")}}}"}
            """)!, read.Json["data"]);

        var text = Drivers.PromptName("phx-str");
        await api.CreateVersionAsync(text, JsonNode.Parse("""{"template": "Hi {name}", "template_format": "f_string", "model": {"provider": "anthropic", "name": "claude"}, "invocation_parameters": {"max_tokens": 100}}""")!);
        var str = (await api.GetAsync($"/api/v1/prompts/{text}/latest")).Json["data"]!;
        AssertJsonEqual(JsonNode.Parse("""{"type": "string", "template": "Hi {name}"}""")!, str["template"]);
        Assert.Equal("STR", str["template_type"]!.GetValue<string>());
        AssertJsonEqual(JsonNode.Parse("""{"type": "anthropic", "anthropic": {"max_tokens": 100}}""")!, str["invocation_parameters"]);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Native_versions_Phoenix_cannot_express_are_refused_with_the_reason(string kind)
    {
        var api = hosts[kind];
        var noModel = Drivers.PromptName("phx-nomodel");
        await api.CreateVersionAsync(noModel, Samples.Text("Hello {{name}}"));
        AssertText(await api.GetAsync($"/api/v1/prompts/{noModel}/latest"), 422);
        Assert.Contains("names no model", (await api.GetAsync($"/api/v1/prompts/{noModel}/latest")).Body);

        var placeholder = Drivers.PromptName("phx-placeholder");
        await api.CreateVersionAsync(placeholder, JsonNode.Parse("""
            {"template": [{"role": "system", "content": "x"}, {"type": "placeholder", "name": "history"}], "model": {"provider": "openai", "name": "m"}}
            """)!);
        var refused = await api.GetAsync($"/api/v1/prompts/{placeholder}/versions");
        AssertText(refused, 422);
        Assert.Contains("placeholder 'history'", refused.Body);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Posting_to_an_existing_name_appends_and_keeps_the_prompt_record(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-append");
        var v1 = await api.CreateAsync(prompt, Version(), "first description", new JsonObject { ["team"] = "qa" });
        var v2 = await api.CreateAsync(prompt, Version(user: "Hi {{name}}"), "second description", new JsonObject { ["team"] = "other" });
        Assert.NotEqual(v1.Id(), v2.Id());

        AssertJsonEqual(v2, (await api.GetAsync($"/api/v1/prompts/{prompt}/latest")).Json["data"]);
        var record = (await api.GetAsync($"/api/prompts/{prompt}")).Json;
        Assert.Equal("first description", record["description"]!.GetValue<string>());
        AssertJsonEqual(new JsonObject { ["team"] = "qa" }, record["metadata"]);
        Assert.Equal(2, record["version_count"]!.GetValue<int>());

        // Content-addressed: the same content again is the existing version, and latest stays where it was.
        var again = await api.CreateAsync(prompt, Version());
        Assert.Equal(v1.Id(), again.Id());
        Assert.Equal(v2.Id(), (await api.GetAsync($"/api/v1/prompts/{prompt}/latest")).Json["data"]!.Id());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Ids_are_url_safe_opaque_and_accepted_in_either_base64_alphabet(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-ids");
        var created = await api.CreateAsync(prompt, Version());
        var id = created.Id();
        Assert.Matches("^[A-Za-z0-9_-]+$", id);

        // The standard, padded encoding (Phoenix's style) names the same version, '=' raw or escaped.
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes(DecodeId(id)));
        foreach (var form in new[] { standard, Uri.EscapeDataString(standard) })
            AssertJsonEqual(created, (await api.GetAsync($"/api/v1/prompt_versions/{form}")).Json["data"]);

        // Why no id may contain '/': escaped, it stays "%2F" in the route value; raw, it splits the path.
        var escapedSlash = await api.GetAsync($"/api/v1/prompt_versions/{id[..^2]}%2F{id[^1]}");
        AssertText(escapedSlash, 422, "Invalid prompt version ID");
        Assert.Equal(404, (await api.GetAsync($"/api/v1/prompt_versions/{id[..^2]}/{id[^1]}")).Status);

        // A Prompt id, a PromptVersionTag id or a foreign Phoenix id is not a version id.
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{PromptIdOf(prompt)}"), 422, "Invalid prompt version ID");
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{Encode($"PromptVersionTag:{prompt}:staging")}"), 422, "Invalid prompt version ID");
        AssertText(await api.GetAsync("/api/v1/prompt_versions/UHJvbXB0VmVyc2lvbjox"), 422, "Invalid prompt version ID");
        // Well-formed but naming nothing.
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{Encode($"PromptVersion:{prompt}:{new string('a', 64)}")}"), 404);
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{Encode($"PromptVersion:nobody-{prompt}:{new string('a', 64)}")}"), 404);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Prompt_identifier_is_a_prompt_id_or_a_name(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-ident");
        var created = await api.CreateAsync(prompt, Version());
        await api.TagAsync(created.Id(), "staging");

        foreach (var identifier in new[] { prompt, PromptIdOf(prompt) })
        {
            AssertJsonEqual(created, (await api.GetAsync($"/api/v1/prompts/{identifier}/latest")).Json["data"]);
            AssertJsonEqual(created, (await api.GetAsync($"/api/v1/prompts/{identifier}/tags/staging")).Json["data"]);
            Assert.Single((await api.GetAsync($"/api/v1/prompts/{identifier}/versions")).Json["data"]!.AsArray());
        }
        AssertText(await api.GetAsync("/api/v1/prompts/Not%20A%20Name/latest"), 422, "Invalid prompt name");
        AssertText(await api.GetAsync($"/api/v1/prompts/{created.Id()}/latest"), 422, "Invalid prompt name");
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/tags/Bad%20Tag"), 422, "Invalid tag name");
        AssertText(await api.GetAsync($"/api/v1/prompts/missing-{prompt}/latest"), 404);
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/tags/nope"), 404);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Versions_page_newest_first_with_inclusive_cursors(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-page");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await api.CreateAsync(prompt, Version(user: $"Message {i}"))).Id());
        ids.Reverse();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = (await api.GetAsync($"/api/v1/prompts/{prompt}/versions?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"))).Json;
            var data = page["data"]!.AsArray();
            seen.AddRange(data.Select(v => v!.Id()));
            cursor = page["next_cursor"]?.GetValue<string>();
            // Phoenix's cursor is the id of the first item of the next page.
            if (cursor is not null) Assert.Equal(ids[seen.Count], cursor);
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);

        var all = (await api.GetAsync($"/api/v1/prompts/{prompt}/versions")).Json;
        Assert.Equal(5, all["data"]!.AsArray().Count);
        Assert.Null(all["next_cursor"]);
        // Phoenix lists an unknown prompt's versions as an empty page.
        var unknown = (await api.GetAsync($"/api/v1/prompts/nobody-{prompt}/versions")).Json;
        Assert.Empty(unknown["data"]!.AsArray());

        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/versions?cursor=garbage"), 422, "Invalid cursor format: garbage");
        var otherPrompt = Encode($"PromptVersion:other-{prompt}:{new string('a', 64)}");
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/versions?cursor={otherPrompt}"), 422);
        Assert.Equal("query.limit", Loc(AssertValidation(await api.GetAsync($"/api/v1/prompts/{prompt}/versions?limit=0"))[0]!));
        Assert.Equal("int_parsing", AssertValidation(await api.GetAsync($"/api/v1/prompts/{prompt}/versions?limit=ten"))[0]!["type"]!.GetValue<string>());
    }

    // Not on the Functions host: it needs storage holding nothing but its own data (listings count every item),
    // i.e. a host of its own, which costs seconds to start (tens of seconds on a loaded machine). The same list
    // routes and their query strings go through the real host in the bad-input tables; paging is the handlers' own.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Prompts_list_with_metadata_and_page_by_inclusive_cursor(string kind)
    {
        await using var api = await Drivers.StartAsync(kind);
        foreach (var name in new[] { "alpha", "alpha-2", "beta", "b0" })
            await api.CreateAsync(name, Version(), description: name == "beta" ? "the beta" : null, metadata: name == "beta" ? new JsonObject { ["k"] = 1 } : null);

        var first = (await api.GetAsync("/api/v1/prompts?limit=2")).Json;
        Assert.Equal(["alpha", "alpha-2"], first["data"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal(PromptIdOf("b0"), first["next_cursor"]!.GetValue<string>());
        AssertJsonEqual(JsonNode.Parse($$"""{"name": "alpha", "description": null, "source_prompt_id": null, "metadata": {}, "id": "{{PromptIdOf("alpha")}}"}""")!,
            first["data"]![0]);

        var second = (await api.GetAsync($"/api/v1/prompts?limit=2&cursor={first["next_cursor"]}")).Json;
        Assert.Equal(["b0", "beta"], second["data"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Null(second["next_cursor"]);
        Assert.Equal("the beta", second["data"]![1]!["description"]!.GetValue<string>());
        AssertJsonEqual(new JsonObject { ["k"] = 1 }, second["data"]![1]!["metadata"]);

        AssertText(await api.GetAsync($"/api/v1/prompts?cursor={Encode("PromptVersion:alpha:" + new string('a', 64))}"), 422);
        // A limit above the page size is served as the page size, with a cursor to the rest.
        Assert.Equal(4, (await api.GetAsync("/api/v1/prompts?limit=100000")).Json["data"]!.AsArray().Count);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Tag_create_is_an_upsert_that_moves_the_tag_with_history(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-tags");
        var v1 = (await api.CreateAsync(prompt, Version())).Id();
        var v2 = (await api.CreateAsync(prompt, Version(user: "Hi"))).Id();

        await api.TagAsync(v1, "staging", "first cut");
        await api.TagAsync(v1, "canary");
        var onV1 = (await api.GetAsync($"/api/v1/prompt_versions/{v1}/tags")).Json;
        AssertJsonEqual(JsonNode.Parse($$"""
            {"data": [{"id": "{{Encode($"PromptVersionTag:{prompt}:canary")}}", "name": "canary"},
                      {"id": "{{Encode($"PromptVersionTag:{prompt}:staging")}}", "name": "staging", "description": "first cut"}],
             "next_cursor": null}
            """)!, onV1);

        await api.TagAsync(v2, "staging", "ship v2");
        Assert.Equal(v2, (await api.GetAsync($"/api/v1/prompts/{prompt}/tags/staging")).Json["data"]!.Id());
        Assert.Equal(["canary"], (await api.GetAsync($"/api/v1/prompt_versions/{v1}/tags")).Json["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal("ship v2", (await api.GetAsync($"/api/v1/prompt_versions/{v2}/tags")).Json["data"]![0]!["description"]!.GetValue<string>());

        var history = (await api.GetAsync($"/api/prompts/{prompt}/tags/staging/history")).Json["data"]!.AsArray();
        Assert.Equal(["move", "create"], history.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal([2, 1], history.Select(e => e!["to"]!["sequence"]!.GetValue<int>()));
        Assert.Equal(["ship v2", "first cut"], history.Select(e => e!["reason"]!.GetValue<string>()));

        // Tagging the version it already points at changes nothing, not even the history.
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        await api.TagAsync(v2, "staging", "again");
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Version_tags_page_by_name_with_inclusive_cursors(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-tagpage");
        var v1 = (await api.CreateAsync(prompt, Version())).Id();
        foreach (var tag in new[] { "c", "a", "b" }) await api.TagAsync(v1, tag);

        var first = (await api.GetAsync($"/api/v1/prompt_versions/{v1}/tags?limit=2")).Json;
        Assert.Equal(["a", "b"], first["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(Encode($"PromptVersionTag:{prompt}:c"), first["next_cursor"]!.GetValue<string>());
        var second = (await api.GetAsync($"/api/v1/prompt_versions/{v1}/tags?limit=2&cursor={first["next_cursor"]}")).Json;
        Assert.Equal(["c"], second["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Null(second["next_cursor"]);

        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{v1}/tags?cursor={v1}"), 422);
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{Encode($"PromptVersion:{prompt}:{new string('b', 64)}")}/tags"), 404);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Deleting_a_tag_finds_it_in_the_versions_prompt(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-untag");
        var v1 = (await api.CreateAsync(prompt, Version())).Id();
        var v2 = (await api.CreateAsync(prompt, Version(user: "Hi"))).Id();
        await api.TagAsync(v2, "staging");

        // As in Phoenix, the version only names the prompt; the tag may point elsewhere in it.
        var deleted = await api.DeleteAsync($"/api/v1/prompt_versions/{v1}/tags/staging");
        Assert.Equal(204, deleted.Status);
        Assert.Equal("15.5.0", deleted.Header(ServerVersionHeader));
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/tags/staging"), 404);
        AssertText(await api.DeleteAsync($"/api/v1/prompt_versions/{v1}/tags/staging"), 404);
        Assert.Equal("delete", (await api.GetAsync($"/api/prompts/{prompt}/tags/staging/history")).Json["data"]![0]!["action"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Protected_tags_need_the_promote_role_on_Phoenix_routes_too(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-protect");
        var v1 = (await api.CreateAsync(prompt, Version())).Id();

        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        var denied = await api.PostAsync($"/api/v1/prompt_versions/{v1}/tags", new JsonObject { ["name"] = "production" }, TestKeys.Writer);
        AssertText(denied, 403);
        Assert.Contains("promote", denied.Body);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        await api.TagAsync(v1, "production", key: TestKeys.Promoter);
        before = await api.Storage.SnapshotAsync();
        AssertText(await api.DeleteAsync($"/api/v1/prompt_versions/{v1}/tags/production", TestKeys.Writer), 403);
        // Deleting the prompt would delete its production tag.
        AssertText(await api.DeleteAsync($"/api/v1/prompts/{prompt}", TestKeys.Writer), 403);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        // Unprotected tags and reads need no more than usual.
        await api.TagAsync(v1, "staging", key: TestKeys.Writer);
        Assert.Equal(200, (await api.GetAsync($"/api/v1/prompts/{prompt}/tags/production", TestKeys.Reader)).Status);
        Assert.Equal(204, (await api.DeleteAsync($"/api/v1/prompts/{prompt}", TestKeys.Promoter)).Status);
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Keys_and_roles_are_enforced_with_Phoenix_style_errors(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-auth");
        await api.CreateAsync(prompt, Version());

        var anonymous = await api.GetAsync($"/api/v1/prompts/{prompt}/latest", key: null);
        AssertText(anonymous, 401);
        Assert.StartsWith("Bearer", anonymous.Header("WWW-Authenticate"));
        AssertText(await api.GetAsync("/api/v1/prompts", key: "not-a-real-key-12345"), 401);

        Assert.Equal(200, (await api.GetAsync($"/api/v1/prompts/{prompt}/latest", TestKeys.Reader)).Status);
        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        AssertText(await api.PostAsync("/api/v1/prompts", Create(prompt, Version(user: "new")), TestKeys.Reader), 403);
        AssertText(await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", """{"description":"x"}""", TestKeys.Reader), 403);
        AssertText(await api.DeleteAsync($"/api/v1/prompts/{prompt}", TestKeys.Reader), 403);
        Assert.Equal(before, await api.Storage.SnapshotAsync());

        // The version endpoint is open, like Phoenix's, and answers in plain text.
        var version = await api.GetAsync("/api/arize_phoenix_version", key: null);
        AssertText(version, 200, "15.5.0");
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Patch_changes_description_and_metadata_of_the_prompt(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-patch");
        await api.CreateAsync(prompt, Version(), "before", new JsonObject { ["a"] = 1 });

        var both = await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", """{"description":"after","metadata":{"b":[2]}}""");
        Assert.Equal(200, both.Status);
        AssertJsonEqual(JsonNode.Parse($$$"""{"data": {"name": "{{{prompt}}}", "description": "after", "source_prompt_id": null, "metadata": {"b": [2]}, "id": "{{{PromptIdOf(prompt)}}}"}}""")!, both.Json);

        var onlyMetadata = await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{PromptIdOf(prompt)}", """{"metadata":{}}""");
        Assert.Equal("after", onlyMetadata.Json["data"]!["description"]!.GetValue<string>());
        AssertJsonEqual(new JsonObject(), onlyMetadata.Json["data"]!["metadata"]);

        var cleared = await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", """{"description":null}""");
        Assert.Null(cleared.Json["data"]!["description"]);
        Assert.Null((await api.GetAsync($"/api/prompts/{prompt}")).Json["description"]);

        await using var quiet = await api.QuietAsync();
        var before = await api.Storage.SnapshotAsync();
        Assert.Equal("value_error", AssertValidation(await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", "{}"))[0]!["type"]!.GetValue<string>());
        Assert.Equal("body.metadata", Loc(AssertValidation(await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/{prompt}", """{"metadata":null}"""))[0]!));
        AssertText(await api.SendAsync(HttpMethod.Patch, $"/api/v1/prompts/nobody-{prompt}", """{"description":"x"}"""), 404, "Prompt not found");
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Delete_removes_the_prompt_its_versions_and_tags(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-delete");
        var v1 = (await api.CreateAsync(prompt, Version())).Id();
        await api.TagAsync(v1, "staging");
        Assert.Equal(200, (await api.GetAsync($"/api/v1/prompt_versions/{v1}")).Status);

        var deleted = await api.DeleteAsync($"/api/v1/prompts/{PromptIdOf(prompt)}");
        Assert.Equal(204, deleted.Status);
        Assert.Equal("", deleted.Body);
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/latest"), 404);
        AssertText(await api.GetAsync($"/api/v1/prompt_versions/{v1}"), 404);
        AssertText(await api.GetAsync($"/api/v1/prompts/{prompt}/tags/staging"), 404);
        Assert.Empty((await api.GetAsync($"/api/v1/prompts/{prompt}/versions")).Json["data"]!.AsArray());
        Assert.DoesNotContain(prompt, (await api.GetAsync("/api/v1/prompts")).Body);
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}")).Status);
        AssertText(await api.DeleteAsync($"/api/v1/prompts/{prompt}"), 404, "Prompt not found");

        // The name can be used again: a new prompt with a new record, and the same content has the same id.
        var again = await api.CreateAsync(prompt, Version(), "reborn");
        Assert.Equal(v1, again.Id());
        Assert.Equal("reborn", (await api.GetAsync($"/api/prompts/{prompt}")).Json["description"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Openai_compatible_providers_are_stored_under_the_openai_wrapper(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("phx-compat");
        var version = Version();
        version["model_provider"] = "DEEPSEEK";
        version["invocation_parameters"] = JsonNode.Parse("""{"type": "deepseek", "deepseek": {"temperature": 0.1}}""");

        var created = await api.CreateAsync(prompt, version);
        Assert.Equal("DEEPSEEK", created["model_provider"]!.GetValue<string>());
        AssertJsonEqual(JsonNode.Parse("""{"type": "openai", "openai": {"temperature": 0.1}}""")!, created["invocation_parameters"]);
        Assert.Equal("deepseek", (await api.GetAsync($"/api/prompts/{prompt}/latest")).Json["model"]!["provider"]!.GetValue<string>());

        // Roles Phoenix allows beyond ours are the assistant.
        var roles = Version();
        roles["template"]!["messages"]!.AsArray().Add(new JsonObject { ["role"] = "model", ["content"] = "m" });
        roles["template"]!["messages"]!.AsArray().Add(new JsonObject { ["role"] = "ai", ["content"] = "a" });
        var withRoles = await api.CreateAsync(prompt, roles);
        Assert.Equal(["system", "user", "assistant", "assistant"], withRoles["template"]!["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>()));
    }

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeId(string id)
    {
        var base64 = id.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
    }

    private static string PromptIdOf(string prompt) => Encode($"Prompt:{prompt}");
}
