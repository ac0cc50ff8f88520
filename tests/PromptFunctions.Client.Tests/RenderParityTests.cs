using System.Text.Json.Nodes;
using PromptFunctions.Client.Tests.Infrastructure;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests;

/// <summary>The client renders with the server's renderer; these tests hold it to the server's <c>/render</c> output.</summary>
public sealed class RenderParityTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        {
            "chat-mustache",
            """
            {"template": [
              {"role": "system", "content": "You are {{persona.name}} for {{product}}.{{#rules}}\n- {{.}}{{/rules}}{{^rules}} No rules.{{/rules}}"},
              {"type": "placeholder", "name": "history"},
              {"role": "assistant", "content": [{"type": "text", "text": "Checking {{{html}}} & {{html}}"},
                {"type": "tool_call", "tool_call_id": "t1", "tool_call": {"name": "lookup", "arguments": "{\"id\":\"{{order}}\"}"}}]},
              {"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "t1", "tool_result": {"status": "shipped"}}]},
              {"role": "user", "content": "{{question}} ({{count}} items, {{ratio}})"}]}
            """,
            """
            {"persona": {"name": "Ava"}, "product": "Contoso", "rules": ["be brief", "cite sources"], "html": "<b>&</b>", "order": "A-1",
             "history": [{"role": "user", "content": "Hi {{product}}"}, {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]}],
             "question": "Where is it?", "count": 3, "ratio": 0.25}
            """
        },
        {
            "text-f-string",
            """{"template": "{{literal}} {name!r} {score:.1%} {items[1]} {user.name:>6} {n:,}", "template_format": "f_string"}""",
            """{"name": "Ann", "score": 0.875, "items": ["a", "b"], "user": {"name": "Bo"}, "n": 1234567}"""
        },
        {
            "chat-none-format",
            """{"template": [{"role": "user", "content": "Literal {{braces}} and {single}"}], "template_format": "none"}""",
            "{}"
        },
        {
            "mustache-edge-values",
            """{"template": "[{{a}}] [{{b}}] [{{c}}] [{{d}}] [{{#e}}yes{{/e}}] [{{f.g.h}}] [{{{n}}}]"}""",
            """{"a": true, "b": null, "c": 1.5e3, "d": "", "e": false, "f": {"g": {"h": [1, 2]}}, "n": -0.0}"""
        },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task Client_rendering_equals_the_servers_render_output(string label, string version, string variables)
    {
        var prompt = TestPrompts.Name("parity");
        var id = await TestPrompts.CreateAsync(fixture.Host, prompt, JsonNode.Parse(version)!, "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        var fetched = await harness.GetAsync(prompt, PromptReference.Production);

        var server = await fixture.Host.PostAsync($"/api/prompts/{prompt}/render", new JsonObject { ["tag"] = "production", ["variables"] = JsonNode.Parse(variables), ["strict"] = false });
        var rendered = fetched.Render(JsonNode.Parse(variables)!.AsObject(), strict: false);

        Assert.True(server.Status == 200, $"{label}: {server}");
        Assert.Equal(id, server.Json["id"]!.GetValue<string>());
        var client = new JsonObject { ["missing_variables"] = new JsonArray(rendered.MissingVariables.Select(m => (JsonNode?)m).ToArray()) };
        if (rendered.Messages is { } messages)
        {
            client["messages"] = new JsonArray(messages.Select(m => (JsonNode?)new JsonObject
            {
                ["role"] = PromptVersionJson.RoleName(m.Role),
                ["content"] = PromptVersionJson.ContentToJson(m.Content),
            }).ToArray());
        }
        else
        {
            client["text"] = rendered.Text;
        }
        foreach (var member in new[] { "messages", "text", "missing_variables" })
            Assert.True(JsonNode.DeepEquals(server.Json[member], client[member]), $"{label} {member}: server {server.Json[member]?.ToJsonString()} client {client[member]?.ToJsonString()}");

        // The chat messages carry the same text the server rendered.
        var chat = fetched.ToChatMessages(JsonNode.Parse(variables)!.AsObject(), strict: false);
        var serverTexts = server.Json["messages"] is JsonArray serverMessages
            ? serverMessages.Select(m => m!["content"] is JsonValue text ? text.GetValue<string>() : string.Concat(m["content"]!.AsArray().Where(p => p!["type"]!.GetValue<string>() == "text").Select(p => p!["text"]!.GetValue<string>())))
            : [server.Json["text"]!.GetValue<string>()];
        Assert.Equal(serverTexts, chat.Select(m => m.Text));
    }

    [Fact]
    public async Task Strict_rendering_reports_the_same_missing_variables_as_the_server()
    {
        var prompt = TestPrompts.Name("strict");
        await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("For {{product}} in {{language}}.", "{{question}} {{product}}"), "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        var fetched = await harness.GetAsync(prompt, PromptReference.Production);

        var server = await fixture.Host.PostAsync($"/api/prompts/{prompt}/render", new JsonObject { ["variables"] = new JsonObject { ["language"] = "en" } }, TestKeys.Reader);
        var client = Assert.Throws<MissingPromptVariablesException>(() => fetched.Render(new JsonObject { ["language"] = "en" }));

        Assert.Equal(422, server.Status);
        Assert.Equal(server.Json["missing_variables"]!.AsArray().Select(n => n!.GetValue<string>()), client.MissingVariables);
        Assert.Equal(server.Json["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()), client.Faults.Select(f => f.Path));
    }
}
