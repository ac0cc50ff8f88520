using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

public sealed class RenderDiffDriftTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    public static TheoryData<string, string, string, string> MustacheCases()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var kind in Drivers.AllKinds)
        {
            data.Add(kind, "Hi {{name}}!", """{"name":"Ann"}""", "Hi Ann!");
            data.Add(kind, "{{#items}}[{{.}}]{{/items}}", """{"items":["a","b"]}""", "[a][b]");
            data.Add(kind, "{{^items}}none{{/items}}", """{"items":[]}""", "none");
            data.Add(kind, "{{user.address.city}}", """{"user":{"address":{"city":"Oslo"}}}""", "Oslo");
            data.Add(kind, "{{{html}}} and {{html}}", """{"html":"<b>&</b>"}""", "<b>&</b> and <b>&</b>");
            data.Add(kind, "{{=<% %>=}}<% name %> {{name}}", """{"name":"Ann"}""", "Ann {{name}}");
            data.Add(kind, "{{#user}}{{name}} ({{role}}){{/user}}", """{"user":{"name":"Bo","role":"dev"}}""", "Bo (dev)");
            data.Add(kind, "a{{! comment }}b", "{}", "ab");
        }
        return data;
    }

    [Theory, MemberData(nameof(MustacheCases))]
    public async Task Mustache_renders_by_the_spec_without_html_escaping(string kind, string template, string variables, string expected)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("mus");
        await api.CreateVersionAsync(prompt, Samples.Text(template));

        var response = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject { ["variables"] = JsonNode.Parse(variables), ["strict"] = false });

        Assert.Equal(200, response.Status);
        Assert.Equal(expected, response.Json["text"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task F_strings_follow_python_rules(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("fstr");
        await api.CreateVersionAsync(prompt, Samples.Text("{{literal}} {name!r} {score:.1%} {items[1]} {user.name:>6}", "f_string"));

        var response = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject
        {
            ["variables"] = JsonNode.Parse("""{"name":"Ann","score":0.875,"items":["a","b"],"user":{"name":"Bo"}}"""),
        });

        Assert.Equal(200, response.Status);
        Assert.Equal("{literal} 'Ann' 87.5% b     Bo", response.Json["text"]!.GetValue<string>());

        var broken = await api.PostAsync($"/api/prompts/{Drivers.PromptName("fbad")}/versions", new JsonObject { ["version"] = Samples.Text("oops } here", "f_string") });
        Assert.Equal(422, broken.Status);
        Assert.Contains("Single '}'", broken.Json["detail"]!.GetValue<string>());
        Assert.Equal("$.version.template", broken.Json["errors"]![0]!["path"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Strict_render_names_every_missing_variable(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("strict");
        var version = Samples.Chat(system: "You are {{persona}} in {{place.city}}.", user: "{{greeting}} {{name}}");
        version["invocation_parameters"] = new JsonObject { ["temperature"] = 0.3, ["max_tokens"] = 50 };
        await api.CreateVersionAsync(prompt, version, tags: ["staging"]);

        var strict = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject { ["tag"] = "staging", ["variables"] = new JsonObject { ["name"] = "Ann" } });
        Assert.Equal(422, strict.Status);
        Assert.StartsWith("application/problem+json", strict.ContentType);
        Assert.Equal(["persona", "place.city", "greeting"], strict.Json["missing_variables"]!.AsArray().Select(v => v!.GetValue<string>()));

        var lenient = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject { ["version"] = "v1", ["variables"] = new JsonObject { ["name"] = "Ann" }, ["strict"] = false });
        Assert.Equal(200, lenient.Status);
        Assert.Equal("You are  in .", lenient.Json["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Equal(3, lenient.Json["missing_variables"]!.AsArray().Count);

        var full = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject
        {
            ["variables"] = JsonNode.Parse("""{"persona":"a guide","place":{"city":"Oslo"},"greeting":"Hi","name":"Ann"}"""),
        });
        Assert.Equal(200, full.Status);
        Assert.Equal("""[{"role":"system","content":"You are a guide in Oslo."},{"role":"user","content":"Hi Ann"}]""", full.Json["messages"]!.ToJsonString());
        Assert.Equal("gpt-4o-mini", full.Json["model"]!["name"]!.GetValue<string>());
        Assert.Equal(50, full.Json["invocation_parameters"]!["max_tokens"]!.GetValue<int>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Placeholders_expand_to_supplied_messages(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("ph");
        await api.CreateVersionAsync(prompt, new JsonObject
        {
            ["template"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Be {{tone}}." },
                new JsonObject { ["type"] = "placeholder", ["name"] = "history" },
                new JsonObject { ["role"] = "user", ["content"] = "{{question}}" }),
        });

        var response = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject
        {
            ["variables"] = JsonNode.Parse("""{"tone":"kind","question":"Why?","history":[{"role":"user","content":"Hi {{not_templated}}"},{"role":"assistant","content":"Hello"}]}"""),
        });
        Assert.Equal(200, response.Status);
        Assert.Equal(4, response.Json["messages"]!.AsArray().Count);
        Assert.Equal("Hi {{not_templated}}", response.Json["messages"]![1]!["content"]!.GetValue<string>());

        var badHistory = await api.PostAsync($"/api/prompts/{prompt}/render", new JsonObject
        {
            ["variables"] = JsonNode.Parse("""{"tone":"kind","question":"Why?","history":[{"role":"wizard","content":"x"}]}"""),
        });
        Assert.Equal(422, badHistory.Status);
        Assert.Equal("$.variables.history[0].role", badHistory.Json["errors"]![0]!["path"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Diff_reports_messages_variables_and_fields(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("diff");
        var before = Samples.Chat(system: "You are {{persona}}.\nBe brief.", user: "Hello {{name}}");
        await api.CreateVersionAsync(prompt, before, tags: ["production"]);
        var after = Samples.Chat(system: "You are {{persona}}.\nBe thorough.", user: "Hello {{name}}", temperature: 0.7);
        ((JsonArray)after["template"]!).Add(new JsonObject { ["role"] = "assistant", ["content"] = "Noted, {{name}}: {{topic}}" });
        after["model"]!["name"] = "gpt-4o";
        after["tools"] = JsonNode.Parse("""{"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}],"tool_choice":"auto"}""");
        await api.CreateVersionAsync(prompt, after);

        var diff = await api.GetAsync($"/api/prompts/{prompt}/diff?from=tag:production&to=latest");

        Assert.Equal(200, diff.Status);
        var messages = diff.Json["messages"]!.AsArray();
        Assert.Equal(["changed", "unchanged", "added"], messages.Select(m => m!["change"]!.GetValue<string>()));
        var lines = messages[0]!["text_diff"]!.AsArray().Select(l => l!["op"]!.GetValue<string>() + l["text"]!.GetValue<string>());
        Assert.Equal([" You are {{persona}}.", "-Be brief.", "+Be thorough."], lines);
        Assert.Equal(["topic"], diff.Json["variables"]!["added"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("gpt-4o", diff.Json["model"]![0]!["to"]!.GetValue<string>());
        Assert.Equal(0.7, diff.Json["invocation_parameters"]![0]!["to"]!.GetValue<double>());
        Assert.Equal("lookup", diff.Json["tools"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("added", diff.Json["tools"]![0]!["change"]!.GetValue<string>());
        Assert.Equal("tool_choice", diff.Json["tools"]![1]!["field"]!.GetValue<string>());
        Assert.False(diff.Json["identical"]!.GetValue<bool>());

        var same = await api.GetAsync($"/api/prompts/{prompt}/diff?from=v2&to=latest");
        Assert.True(same.Json["identical"]!.GetValue<bool>());
        Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}/diff?from=v1&to=v9")).Status);
        Assert.Equal(400, (await api.GetAsync($"/api/prompts/{prompt}/diff?from=v1")).Status);
    }

    // Not on the Functions host: it needs storage holding nothing but its own data (listings count every item),
    // i.e. a host of its own, which costs seconds to start (tens of seconds on a loaded machine). The same list
    // routes and their query strings go through the real host in the bad-input tables; paging is the handlers' own.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Drift_view_and_paging_cover_every_prompt(string kind)
    {
        // Its own storage: listings must see exactly the prompts this test made.
        await using var api = await Drivers.StartAsync(kind);
        for (var i = 0; i < 5; i++)
        {
            var prompt = $"drift-{i}";
            var v1 = (await api.CreateVersionAsync(prompt, Samples.Chat(user: $"v1 {i}"), tags: ["staging", "production"]))["id"]!.GetValue<string>();
            if (i % 2 == 0) await api.CreateVersionAsync(prompt, Samples.Chat(user: $"v2 {i}"), tags: ["staging"]);
        }

        var page1 = await api.GetAsync("/api/tags?names=staging,production&limit=3");
        var page2 = await api.GetAsync($"/api/tags?names=staging,production&limit=3&cursor={page1.Json["next_cursor"]!.GetValue<string>()}");

        Assert.Equal(200, page1.Status);
        var rows = page1.Json["data"]!.AsArray().Concat(page2.Json["data"]!.AsArray()).ToList();
        Assert.Null(page2.Json["next_cursor"]);
        Assert.Equal(["drift-0", "drift-1", "drift-2", "drift-3", "drift-4"], rows.Select(r => r!["prompt"]!.GetValue<string>()));
        Assert.Equal([true, false, true, false, true], rows.Select(r => r!["differ"]!.GetValue<bool>()));
        Assert.Equal(2, rows[0]!["tags"]!["staging"]!["sequence"]!.GetValue<int>());
        Assert.Equal(1, rows[0]!["tags"]!["production"]!["sequence"]!.GetValue<int>());

        var prompts1 = await api.GetAsync("/api/prompts?limit=2");
        Assert.Equal(["drift-0", "drift-1"], prompts1.Json["data"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        var versions = await api.GetAsync("/api/prompts/drift-0/versions?limit=1");
        Assert.Equal(2, versions.Json["data"]![0]!["sequence"]!.GetValue<int>());
        var older = await api.GetAsync($"/api/prompts/drift-0/versions?limit=1&cursor={versions.Json["next_cursor"]!.GetValue<string>()}");
        Assert.Equal(1, older.Json["data"]![0]!["sequence"]!.GetValue<int>());
        Assert.Null(older.Json["next_cursor"]);

        var missingTag = await api.GetAsync("/api/tags?names=canary");
        Assert.All(missingTag.Json["data"]!.AsArray(), row => Assert.Null(row!["tags"]!["canary"]));
    }
}
